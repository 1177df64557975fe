import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { REST, Routes, ShardingManager } from 'discord.js'
import { commandRegistry } from '../../../commands/registry.ts'
import { ConfigError, loadConfig, type Config } from '../../app/config.ts'
import { createApp } from '../../app/createApp.ts'
import { createLogger, type Logger } from '../../app/logger.ts'
import { createDiscordAdapter } from './createDiscordAdapter.ts'
import { syncSlashCommands } from './syncSlashCommands.ts'

/** `tsx src/chat/discord/shardMain.ts` — Gridshare with Discord sharded, one
 *  process per shard (docs/discord.md, "Sharding").
 *
 *  This one file plays two roles. Started by hand it is the manager: it runs
 *  what must exist once — HTTP server, scheduler, notifier, command
 *  registration — and forks itself once per shard through discord.js's
 *  ShardingManager. Forked (discord.js sets SHARDING_MANAGER) it is a shard:
 *  a gateway connection for its share of the guilds, answering their
 *  interactions through its own command pipeline on the shared database. */

async function main(): Promise<void> {
  const config = loadConfig(process.env)
  if (!config.DISCORD_TOKEN || !config.DISCORD_APPLICATION_ID) {
    throw new ConfigError('Invalid configuration: DISCORD_TOKEN and DISCORD_APPLICATION_ID are needed to run sharded.')
  }
  if (config.DATABASE_PATH === ':memory:') {
    throw new ConfigError('Invalid configuration: DATABASE_PATH must be a file when sharded; each process opens it.')
  }
  if (!config.RPC_URL) {
    // Without it every process would start its own embedded dev chain.
    throw new ConfigError('Invalid configuration: RPC_URL is missing; expected the shared EVM JSON-RPC endpoint when running sharded.')
  }
  const shardIds = process.env.SHARDS
  const logger = createLogger({
    level: config.LOG_LEVEL,
    secrets: [config.TELEGRAM_BOT_TOKEN, config.DISCORD_TOKEN, config.TREASURY_PRIVATE_KEY, config.TELEGRAM_WEBHOOK_SECRET],
  })
  if (process.env.SHARDING_MANAGER) await runShard(config, logger.child({ shards: shardIds }))
  else await runManager(config, logger.child({ role: 'shard-manager' }))
}

async function runManager(config: Config, logger: Logger): Promise<void> {
  // With DISCORD_TOKEN set, createApp starts no console; the HTTP server and
  // scheduler run here and only here.
  const app = await createApp(config, logger, { input: Readable.from([]), output: process.stdout, interactive: false }, { discordRole: 'rest-only' })
  await app.start()

  const rest = new REST(config.DISCORD_API_BASE ? { api: config.DISCORD_API_BASE } : {}).setToken(config.DISCORD_TOKEN!)
  await syncSlashCommands(
    { rest, logger },
    { applicationId: config.DISCORD_APPLICATION_ID!, guildId: config.DISCORD_GUILD_ID, commands: commandRegistry },
  )
  // Asked of our own REST client, so DISCORD_API_BASE is honoured (discord.js's 'auto' always asks discord.com).
  const { shards } = (await rest.get(Routes.gatewayBot())) as { shards: number }

  const manager = new ShardingManager(fileURLToPath(import.meta.url), {
    token: config.DISCORD_TOKEN,
    totalShards: shards,
    mode: 'process',
    // Shards run TypeScript like this process does (tsx's loader flags).
    execArgv: process.execArgv,
    respawn: true,
  })
  manager.on('shardCreate', (shard) => {
    logger.info({ shard: shard.id, of: shards }, 'discord shard started')
    shard.on('death', () => logger.warn({ shard: shard.id, respawn: manager.respawn }, 'discord shard process exited'))
  })

  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      manager.respawn = false
      for (const shard of manager.shards.values()) shard.kill()
      await app.stop()
    })())
  process.once('SIGINT', () => void stop().then(() => process.exit(0)))
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)))

  // Spawns one shard every 5.5 s: Discord allows one IDENTIFY per 5 s per bucket.
  await manager.spawn({ timeout: 60_000 })
  logger.info({ shards }, 'all discord shards ready')
}

async function runShard(config: Config, logger: Logger): Promise<void> {
  // The composition root builds the pipeline and its services as for a single
  // process; app.start() is never called here, so no HTTP server or scheduler
  // runs in a shard (the manager has them).
  const app = await createApp(config, logger, { input: Readable.from([]), output: process.stdout, interactive: false }, { discordRole: 'none' })
  const adapter = createDiscordAdapter({
    pipeline: app.pipeline,
    db: app.db,
    logger,
    token: config.DISCORD_TOKEN!,
    applicationId: config.DISCORD_APPLICATION_ID!,
    guildId: config.DISCORD_GUILD_ID,
    apiBase: config.DISCORD_API_BASE,
    // The manager registered the commands once for every shard.
    registerCommands: false,
    // Recorded in the shared database; the manager's scheduler refreshes them.
    onLivePost: app.onLivePost,
  })

  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      await adapter.stop()
      await app.stop()
    })())
  process.once('SIGINT', () => void stop().then(() => process.exit(0)))
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)))
  // The manager went away (crash, kill -9): a shard without it must not linger.
  process.once('disconnect', () => void stop().then(() => process.exit(0)))

  await adapter.start()
}

main().catch((error: unknown) => {
  process.stderr.write(`Gridshare (sharded) could not start: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(error instanceof ConfigError ? 2 : 1)
})
