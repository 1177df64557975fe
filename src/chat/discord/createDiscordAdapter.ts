import { once } from 'node:events'
import { Client, Events, GatewayIntentBits, Options, REST, RESTEvents, type Interaction } from 'discord.js'
import type { Logger } from '../../app/logger.ts'
import type { CommandPipeline } from '../../command/CommandPipeline.ts'
import type { Db } from '../../db/openDatabase.ts'
import type { MessageEditor, PostedMessage } from '../../governance/proposalMessages.ts'
import type { ChatAdapter } from '../ChatAdapter.ts'
import { createDiscordSender } from './createDiscordSender.ts'
import { FanOutGate } from './FanOutGate.ts'
import { handleInteraction } from './handleInteraction.ts'
import { syncSlashCommands } from './syncSlashCommands.ts'

export interface DiscordAdapterDeps {
  pipeline: CommandPipeline
  db: Db
  logger: Logger
  clock?: () => number
  token: string
  applicationId: string
  /** Register commands to this guild (instant) instead of globally. */
  guildId?: string
  /** REST base such as http://127.0.0.1:4000/api (a local test server); the
   *  gateway URL then comes from that server's GET /gateway/bot. */
  apiBase?: string
  /** Sends (DMs, channel posts) in flight at once; default 16. */
  fanOutConcurrency?: number
  /** Sends allowed to wait for a slot before they are refused as rate_limited; default 1,000. */
  fanOutMaxWaiting?: number
  /** Defer a command or press still running after this long; default 1,500 ms. */
  deferAfterMs?: number
  /** false: REST only (sends and registration), no gateway connection — the
   *  sharding manager's role. Default true. */
  gateway?: boolean
  /** false: leave command registration to another process (a shard). Default true. */
  registerCommands?: boolean
  /** Told where live replies (proposals with vote buttons) were posted, to refresh them. */
  onLivePost?: (posted: PostedMessage) => void
}

const STOP_WAIT_MS = 5000

/** The Discord chat adapter: slash commands, autocomplete and buttons from
 *  the gateway into the command pipeline, and notifications out over REST. */
export function createDiscordAdapter(deps: DiscordAdapterDeps): ChatAdapter & MessageEditor {
  const { logger, pipeline } = deps
  const clock = deps.clock ?? (() => Date.now())
  const client = new Client({
    // Interactions arrive without any privileged intent; Guilds keeps the
    // guild and channel cache in step, DirectMessages covers DM channels.
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages],
    rest: deps.apiBase ? { api: deps.apiBase } : {},
    allowedMentions: { parse: [] },
    // The bot reads no messages and looks up no members: keep those caches empty
    // so memory does not grow with the community.
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      MessageManager: 0,
      GuildMemberManager: { maxSize: 0, keepOverLimit: (member) => member.id === member.client.user.id },
      UserManager: { maxSize: 0, keepOverLimit: (user) => user.id === user.client.user.id },
      PresenceManager: 0,
      ReactionManager: 0,
    }),
  })
  // Notifications get their own REST queue: discord.js holds all of one queue's
  // requests to 50/s, and a fan-out of thousands of DMs must not delay the
  // follow-ups of people using commands. Discord's global limit does not
  // count interaction requests, so two queues stay within it.
  const sendRest = new REST({ ...(deps.apiBase ? { api: deps.apiBase } : {}) })
  const gate = new FanOutGate({ concurrency: deps.fanOutConcurrency ?? 16, maxWaiting: deps.fanOutMaxWaiting ?? 1000 })
  const sender = createDiscordSender({ rest: sendRest, db: deps.db, logger, clock, gate, onLivePost: deps.onLivePost })
  const interactionDeps = { pipeline, db: deps.db, logger, clock, deferAfterMs: deps.deferAfterMs ?? 1500, onLivePost: deps.onLivePost }
  const inFlight = new Set<Promise<void>>()
  // destroy() closes the shards, which discord.js reports as disconnects; those are not news.
  let stopping = false

  client.on(Events.InteractionCreate, (interaction: Interaction) => {
    const handled = handleInteraction(interactionDeps, interaction)
    inFlight.add(handled)
    void handled.finally(() => inFlight.delete(handled))
  })
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'))
  client.on(Events.Warn, (message) => logger.warn({ message }, 'discord client warning'))
  client.on(Events.ShardDisconnect, (event, shardId) => stopping || logger.warn({ shardId, code: event.code }, 'discord shard disconnected'))
  client.on(Events.ShardReconnecting, (shardId) => stopping || logger.info({ shardId }, 'discord shard reconnecting'))
  for (const rest of [client.rest, sendRest]) {
    rest.on(RESTEvents.RateLimited, (info) =>
      logger.warn({ route: info.route, retryAfterMs: info.retryAfter, global: info.global, scope: info.scope }, 'discord rate limit hit'),
    )
  }

  return {
    platform: 'discord',

    async start() {
      client.rest.setToken(deps.token)
      sendRest.setToken(deps.token)
      if (deps.registerCommands !== false) {
        await syncSlashCommands({ rest: sendRest, logger }, { applicationId: deps.applicationId, guildId: deps.guildId, commands: pipeline.commands })
      }
      if (deps.gateway === false) return
      // Listen before logging in: ready can fire before login() resolves.
      const ready = once(client, Events.ClientReady)
      await Promise.all([client.login(deps.token), ready])
      logger.info({ user: client.user?.username, shards: client.ws.shards.size, guilds: client.guilds.cache.size }, 'discord connected')
    },

    async stop() {
      stopping = true
      // Let running handlers answer before the connection goes.
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())])
      await client.destroy()
      sendRest.clearHashSweeper()
      sendRest.clearHandlerSweeper()
    },

    sendPrivate: sender.sendPrivate,
    sendToChannel: sender.sendToChannel,
    editMessage: sender.editMessage,
  }
}
