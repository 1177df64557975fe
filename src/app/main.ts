import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { ConfigError, loadConfig } from './config.ts'
import { createApp } from './createApp.ts'
import { createLogger } from './logger.ts'

/** `npm start`: parse config, start everything, stop cleanly on a signal or
 *  when piped console input ends. */
async function main(): Promise<number> {
  let config
  try {
    config = loadConfig(process.env)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(error.message + '\n')
      return 2
    }
    throw error
  }
  const interactive = Boolean(process.stdin.isTTY)
  // At an interactive prompt, log lines would tangle with the conversation: they go to a file.
  const logFile = interactive ? join(config.DATA_DIR, 'gridshare.log') : undefined
  if (logFile) mkdirSync(config.DATA_DIR, { recursive: true })
  const logger = createLogger({
    level: config.LOG_LEVEL,
    secrets: [config.TELEGRAM_BOT_TOKEN, config.DISCORD_TOKEN, config.TREASURY_PRIVATE_KEY, config.TELEGRAM_WEBHOOK_SECRET, config.RPC_URL],
    destination: logFile ? pino.destination({ dest: logFile, mkdir: true, sync: false }) : undefined,
  })
  const app = await createApp(config, logger, { input: process.stdin, output: process.stdout, interactive })
  let stopping: Promise<void> | undefined
  const stop = () => (stopping ??= app.stop())
  process.once('SIGINT', () => void stop().then(() => process.exit(0)))
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)))
  try {
    await app.start()
  } catch (error) {
    process.stderr.write(`Gridshare could not start: ${error instanceof Error ? error.message : String(error)}\n`)
    await stop().catch(() => {})
    return 1
  }
  process.stderr.write(`${app.summary}\nHTTP on port ${app.httpPort}.\n`)
  // The first line read may be /gpus: the demo GPUs must be listed by then.
  if (!(await app.demoReady())) process.stderr.write('The demo providers are not listed yet; /gpus shows them once their compute challenge passes.\n')
  if (interactive) process.stdout.write(`Gridshare is ready (logs in ${logFile}). Type /help for the commands, Ctrl-D to quit.\n`)
  await app.runConsole()
  await stop()
  return 0
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`Gridshare failed: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  },
)
