import { pino } from 'pino'
import { createTelegramAdapter, type TelegramAdapter, type TelegramAdapterDeps } from '../../../src/chat/telegram/createTelegramAdapter.ts'
import type { SenderLimits } from '../../../src/chat/telegram/TelegramSender.ts'
import { createTestPipeline } from '../../support/createTestPipeline.ts'
import { LocalBotApi } from './LocalBotApi.ts'
import { telegramTestCommands } from './telegramTestCommands.ts'

/** Loose enough that pacing never slows a test that is not about pacing. */
export const FAST_LIMITS: Partial<SenderLimits> = {
  privateChat: { burst: 100, perSecond: 1000 },
  groupChat: { burst: 100, perSecond: 1000 },
  global: { burst: 1000, perSecond: 10_000 },
  retryBaseMs: 10,
  retryMaxMs: 40,
}

/** Log lines as written, so a test can search them for the token. */
export function captureLogs() {
  const lines: string[] = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) })
  return { logger, lines, text: () => lines.join('') }
}

/** A local Bot API server, a real pipeline on in-memory SQLite, and the
 *  adapter polling the one and driving the other. The clock can be moved. */
export async function startTelegramTest(
  options: {
    webhook?: (api: LocalBotApi) => TelegramAdapterDeps['webhook']
    limits?: Partial<SenderLimits>
    adminIds?: string[]
    /** Runs before the adapter starts (users who exist before the bot does). */
    before?: (api: LocalBotApi) => void
  } = {},
) {
  const api = await LocalBotApi.start()
  options.before?.(api)
  let offset = 0
  const clock = () => Date.now() + offset
  const logs = captureLogs()
  const test = createTestPipeline({ commands: telegramTestCommands, clock, adminIds: options.adminIds })
  const adapter: TelegramAdapter = createTelegramAdapter({
    pipeline: test.pipeline,
    db: test.db,
    logger: logs.logger,
    clock,
    token: api.token,
    apiRoot: api.apiRoot,
    webhook: options.webhook?.(api),
    limits: { ...FAST_LIMITS, ...options.limits },
    adminUserIds: (options.adminIds ?? []).filter((id) => id.startsWith('telegram:')).map((id) => id.slice('telegram:'.length)),
  })
  await adapter.start()
  return {
    api,
    adapter,
    pipeline: test.pipeline,
    db: test.db,
    metrics: test.metrics,
    logs,
    advance: (ms: number) => void (offset += ms),
    async stop() {
      await adapter.stop()
      await api.close()
      test.close()
    },
  }
}
