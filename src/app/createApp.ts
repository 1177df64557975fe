import type { ServerType } from '@hono/node-server'
import { listenHttp } from '../http/listenHttp.ts'
import { mkdirSync } from 'node:fs'
import type { Readable, Writable } from 'node:stream'
import { commandRegistry } from '../../commands/registry.ts'
import { offlineSweepSeconds } from '../market/NodeRegistry.ts'
import { ConsoleAdapter } from '../chat/console/ConsoleAdapter.ts'
import { CommandPipeline } from '../command/CommandPipeline.ts'
import { RateLimiter } from '../command/RateLimiter.ts'
import { DEFAULT_DATABASE_PATH, type Config } from './config.ts'
import { openDatabase, type Db } from '../db/openDatabase.ts'
import { createDiscordAdapter } from '../chat/discord/createDiscordAdapter.ts'
import { createTelegramAdapter } from '../chat/telegram/createTelegramAdapter.ts'
import type { ChatAdapter } from '../chat/ChatAdapter.ts'
import { createHttpApp } from '../http/createHttpApp.ts'
import { Scheduler } from '../scheduler/Scheduler.ts'
import { deleteExpiredActions } from '../command/actionStore.ts'
import type { Logger } from './logger.ts'
import { createMetrics } from './metrics.ts'
import { connectChain } from './connectChain.ts'
import { linkRoutes } from '../http/linkRoutes.ts'
import { agentRoutes, pruneAgentSignatures } from '../http/agentRoutes.ts'
import { AgentSessions } from '../http/AgentSessions.ts'
import { rewardsRoutes } from '../http/rewardsRoutes.ts'
import { governanceRoutes } from '../http/governanceRoutes.ts'
import { solvencyRoutes } from '../http/solvencyRoutes.ts'
import { dashboardRoutes } from '../http/dashboardRoutes.ts'
import { NetworkOverview } from '../dashboard/NetworkOverview.ts'
import { AvailabilityCharts } from '../dashboard/AvailabilityCharts.ts'
import { createDashboardPages } from '../http/createDashboardPages.ts'
import { snapshotMarketHistory } from '../dashboard/snapshotMarketHistory.ts'
import { startDemoProviders, waitForDemoProviders } from './startDemoProviders.ts'
import { createDomain } from './createDomain.ts'
import { autocompleteSources } from './autocompleteSources.ts'
import { Notifier, type Destination } from '../notify/Notifier.ts'
import { ProposalMessages, type MessageEditor, type PostedMessage } from '../governance/proposalMessages.ts'

export interface AppIo {
  input: Readable
  output: Writable
  interactive: boolean
}

/** How this process takes part in Discord: the whole bot, notifications only
 *  (the shard manager), or none (a shard that runs its own gateway client). */
export type DiscordRole = 'full' | 'rest-only' | 'none'

export interface App {
  readonly pipeline: CommandPipeline
  readonly db: Db
  /** The chain's JSON-RPC URL (the embedded anvil's when RPC_URL is unset). */
  readonly chainRpcUrl: string
  /** One human line: chain, token and treasury, printed at start. */
  readonly summary: string
  readonly httpPort: number
  /** Where a live message (a proposal with vote buttons) was posted: Discord shards report theirs here. */
  readonly onLivePost: (posted: PostedMessage) => void
  start(): Promise<void>
  /** Runs the console chat; resolves when its input ends (never without a console). */
  runConsole(): Promise<void>
  /** Resolves true once the demo providers are listed (at once when none can be), false after the wait. */
  demoReady(timeoutMs?: number): Promise<boolean>
  stop(): Promise<void>
}

/** The composition root: the one place that builds objects from config. */
export async function createApp(
  config: Config,
  logger: Logger,
  io: AppIo,
  { discordRole = 'full', demoProviders = true }: { discordRole?: DiscordRole; demoProviders?: boolean } = {},
): Promise<App> {
  if (config.DATABASE_PATH === DEFAULT_DATABASE_PATH) mkdirSync(config.DATA_DIR, { recursive: true })
  const database = openDatabase(config.DATABASE_PATH)
  const { db } = database
  const clock = () => Date.now()
  const metrics = createMetrics()
  const chain = await connectChain(config, logger).catch((error) => {
    database.close()
    throw error
  })
  const domain = createDomain({ config, db, sqlite: database.sqlite, chain, logger, clock })
  const { services, linking, deposits, payouts, registry, rentals } = domain
  const pipeline = new CommandPipeline({
    db,
    logger,
    metrics,
    clock,
    commands: commandRegistry,
    services,
    rateLimiter: new RateLimiter({ burst: config.RATE_LIMIT_BURST, perSecond: config.RATE_LIMIT_PER_SECOND }),
    adminIds: new Set(config.ADMIN_IDS),
    autocomplete: autocompleteSources(commandRegistry),
  })
  const scheduler = new Scheduler(logger)
  // Group and channel messages with vote buttons; the adapters say where they posted them.
  const liveEditors = new Map<string, MessageEditor>()
  const proposalMessages = new ProposalMessages({ db, clock, logger, units: services.units, governance: domain.governance, editors: liveEditors, publicUrl: services.publicUrl })
  const onLivePost = (posted: PostedMessage) => proposalMessages.record(posted)
  const agentSessions = new AgentSessions({ db, secrets: domain.secrets, clock })
  const adapters: ChatAdapter[] = []
  const telegram = config.TELEGRAM_BOT_TOKEN
    ? createTelegramAdapter({
        pipeline,
        db,
        logger,
        clock,
        token: config.TELEGRAM_BOT_TOKEN,
        apiRoot: config.TELEGRAM_API_ROOT,
        webhook: config.TELEGRAM_WEBHOOK_URL ? { url: config.TELEGRAM_WEBHOOK_URL, secret: config.TELEGRAM_WEBHOOK_SECRET! } : undefined,
        adminUserIds: config.ADMIN_IDS.filter((id) => id.startsWith('telegram:')).map((id) => id.slice('telegram:'.length)),
        onLivePost,
      })
    : undefined
  if (telegram) adapters.push(telegram)
  const dashboardPages = createDashboardPages({ sqlite: database.sqlite, governance: domain.governance, units: services.units, clock })
  const overview = new NetworkOverview({ sqlite: database.sqlite, epochs: dashboardPages.epochs })
  const charts = new AvailabilityCharts({ sqlite: database.sqlite, units: services.units, clock, dataVersion: () => overview.version() })
  const http = createHttpApp({
    logger,
    metrics,
    healthChecks: [
      { name: 'database', check: () => void database.sqlite.prepare('select 1').get() },
      { name: 'chain', check: async () => void (await chain.publicClient.getBlockNumber({ cacheTime: 0 })) },
      { name: 'solvency', check: () => domain.solvency.health() },
    ],
    routes: [linkRoutes({ linking }), agentRoutes({ db, sessions: agentSessions, registry, rentals, attestations: domain.attestations, challenges: domain.challenges, clock }), rewardsRoutes({ epochs: domain.epochs }), governanceRoutes({ governance: domain.governance }), solvencyRoutes({ solvency: domain.solvency }), dashboardRoutes({ overview, charts, units: services.units }), dashboardPages.routes, ...(telegram?.webhookApp ? [telegram.webhookApp] : [])],
  })
  const chatTokensSet = Boolean(config.TELEGRAM_BOT_TOKEN || config.DISCORD_TOKEN)
  const consoleAdapter = chatTokensSet ? undefined : new ConsoleAdapter({ pipeline, ...io })
  if (config.DISCORD_TOKEN && discordRole !== 'none') {
    adapters.push(
      createDiscordAdapter({
        pipeline,
        db,
        logger,
        clock,
        token: config.DISCORD_TOKEN,
        applicationId: config.DISCORD_APPLICATION_ID!,
        guildId: config.DISCORD_GUILD_ID,
        apiBase: config.DISCORD_API_BASE,
        gateway: discordRole === 'full',
        onLivePost,
      }),
    )
  }
  for (const adapter of adapters) if ('editMessage' in adapter) liveEditors.set(adapter.platform, adapter as ChatAdapter & MessageEditor)
  const destinations = new Map<string, Destination>(adapters.map((a) => [a.platform, a]))
  if (consoleAdapter) destinations.set('console', consoleAdapter)
  const notifier = new Notifier({ db, logger, clock, secrets: domain.secrets, destinations, registry: metrics.registry })
  let demo: { stop(): Promise<void> } | undefined
  let server: ServerType | undefined
  let httpPort = config.HTTP_PORT

  return {
    pipeline,
    db,
    onLivePost,
    chainRpcUrl: chain.rpcUrl,
    summary: chain.devChain
      ? `Dev chain ${chain.chainId} at ${chain.rpcUrl}: token ${chain.symbol} at ${chain.token}, treasury ${chain.treasury}`
      : `Chain ${chain.chainId}: token ${chain.symbol} at ${chain.token}, treasury ${chain.treasury}`,
    get httpPort() {
      return httpPort
    },
    runConsole: () => (consoleAdapter ? consoleAdapter.run() : new Promise<void>(() => {})),
    // With SIMULATED_PROVIDERS=deny the demo nodes can never be listed: nothing to wait for.
    demoReady: (timeoutMs?: number) => (demo && config.SIMULATED_PROVIDERS === 'allow' ? waitForDemoProviders(db, { timeoutMs }) : Promise.resolve(true)),
    async start() {
      server = await listenHttp({ fetch: http.fetch, port: config.HTTP_PORT, host: config.HTTP_HOST, onPort: (port) => (httpPort = port) })
      for (const adapter of adapters) await adapter.start()
      if (chain.devChain && demoProviders) demo = startDemoProviders({ coordinatorUrl: `http://127.0.0.1:${httpPort}`, dataDir: config.DATA_DIR, logger, bonding: domain })
      notifier.recover()
      scheduler.add('notifications.deliver', '* * * * * *', () => notifier.run())
      scheduler.add('actions.cleanup', '17 * * * *', () => deleteExpiredActions(db, clock()))
      scheduler.add('identity.merges.expire', '*/5 * * * *', () => domain.linking.expireMergeRequests())
      scheduler.add('deposits.scan', chain.devChain ? '*/2 * * * * *' : '*/15 * * * * *', () => deposits.scan())
      scheduler.add('payouts.process', chain.devChain ? '*/2 * * * * *' : '*/15 * * * * *', () => payouts.process())
      // Often enough that a silent node leaves /gpus within 1.5 heartbeat intervals.
      scheduler.add('nodes.offline', `*/${offlineSweepSeconds(config.HEARTBEAT_INTERVAL_S * 1000)} * * * * *`, () => {
        registry.markOffline()
        rentals.failOverOfflineNodes()
      })
      scheduler.add('providers.listing', '*/30 * * * * *', () => domain.listing.refreshDue())
      scheduler.add('bonds.release', '0 * * * * *', () => domain.bonds.releaseDue())
      scheduler.add('rentals.expire', '*/15 * * * * *', () => rentals.expireDue())
      scheduler.add('rentals.remind', '*/15 * * * * *', () => domain.rentalReminders.sweep())
      scheduler.add('challenges.expire', '*/15 * * * * *', () => domain.challenges.expireDue())
      // The hour's row is rewritten every 5 minutes (so `/` is at most that old); the epoch's payouts are summed and the default chart drawn for the next viewer.
      const marketHistory = () => {
        snapshotMarketHistory({ sqlite: database.sqlite, clock })
        overview.refreshEpoch()
        return charts.warm()
      }
      scheduler.add('market.history', '30 */5 * * * *', marketHistory)
      void scheduler.runOnce('market.history', marketHistory)
      // A fresh start shows its demo providers on `/` as soon as they are listed, not 5 minutes later.
      if (demo) {
        waitForDemoProviders(db)
          .then((listed) => (listed ? scheduler.runOnce('market.history', marketHistory) : undefined))
          // Stopping before they are listed closes the database under the wait: nothing to snapshot then.
          .catch(() => {})
      }
      // Reserves are read first, so each close's solvency snapshot has them at one block.
      const closeEpochs = async () => {
        await domain.solvency.prepareEpochClose()
        return domain.epochs.closeDue()
      }
      await scheduler.runOnce('epochs.catch-up', closeEpochs)
      scheduler.add('epochs.close', config.EPOCH_CRON, closeEpochs)
      scheduler.add('governance.open', '*/15 * * * * *', () => domain.governance.openDue())
      scheduler.add('governance.close', '*/15 * * * * *', () => domain.governance.closeDue())
      scheduler.add('governance.remind', '0 * * * * *', () => domain.governance.remind())
      scheduler.add('governance.messages.refresh', '*/5 * * * * *', () => proposalMessages.refresh())
      if (config.SNAPSHOT_HUB_URL) {
        scheduler.add('governance.snapshot.sync', '*/30 * * * * *', () => domain.governance.syncSnapshot())
        scheduler.add('governance.snapshot.relay', '*/5 * * * * *', () => domain.governance.relayQueued())
        scheduler.add('governance.aliases.sweep', '23 * * * *', () => domain.governance.aliases?.sweepExpiredRequests())
      }
      scheduler.add('agent.signatures.prune', '*/5 * * * *', () => {
        pruneAgentSignatures(db, clock())
        agentSessions.prune()
      })
      logger.info({ httpPort, publicUrl: config.PUBLIC_URL, tokenAddress: chain.token, treasury: chain.treasury, chainId: chain.chainId }, 'gridshare ready')
    },
    async stop() {
      await demo?.stop()
      await scheduler.stop()
      for (const adapter of adapters) await adapter.stop()
      await pipeline.drain()
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
      await chain.stop()
      database.close()
    },
  }
}
