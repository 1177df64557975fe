import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { guildJson, messageJson, snowflakeSource, userJson, type FakeUser, type StoredMessage } from './discordPayloads.ts'

/** A local stand-in for Discord, enough for discord.js to log in, receive
 *  interactions and answer them: REST v10 under /api and a JSON gateway
 *  (no compression) under /gateway, on 127.0.0.1 at a random port. It keeps
 *  Discord's rules that matter to an adapter: the 3-second acknowledgement
 *  deadline (10062), one acknowledgement per interaction (40060), message
 *  limits (50035), DMs closed (50007), and 429s with Retry-After on demand. */

export type Where = 'guild' | 'dm'

export interface RecordedRequest {
  method: string
  path: string
  query: URLSearchParams
  body: any
  status: number
  /** Discord's JSON error code, for error answers. */
  code?: number
  at: number
}

export interface InteractionRecord {
  id: string
  token: string
  /** 2 command, 3 component, 4 autocomplete. */
  type: 2 | 3 | 4
  createdAt: number
  user: FakeUser
  channelId: string
  where: Where
  /** The button's message, for component interactions. */
  messageId?: string
  ack?: { type: number; at: number; data: any }
  /** The message the interaction's @original refers to. */
  originalId?: string
  followUpIds: string[]
  autocompleteChoices?: { name: string; value: string | number }[]
  /** Resolves when an acknowledgement is accepted. */
  acked: Promise<{ type: number; at: number }>
}

interface Match {
  method?: string
  path: RegExp
}

interface Session {
  ws: WebSocket
  seq: number
  shard: [number, number]
  identified: boolean
}

const MAX_CONTENT = 2000
const API_PREFIX = '/api/v10'

export class LocalDiscordServer {
  readonly requests: RecordedRequest[] = []
  readonly messages = new Map<string, StoredMessage>()
  readonly interactions = new Map<string, InteractionRecord>()
  readonly commands = { global: [] as any[], guilds: new Map<string, any[]>() }
  readonly gateway = { connections: [] as { query: URLSearchParams }[], identifies: [] as any[], heartbeats: 0 }
  readonly bot: FakeUser
  readonly applicationId: string
  readonly guild: { id: string; name: string; channelId: string }
  /** Most requests the server was handling at one time. */
  peakInFlight = 0

  private inFlight = 0
  private readonly snowflake = snowflakeSource()
  private readonly sessions = new Set<Session>()
  private readonly dmChannels = new Map<string, string>()
  private readonly dmRecipients = new Map<string, string>()
  private readonly closedDms = new Set<string>()
  private readonly rateLimits: { match: Match; retryAfter: number; global: boolean; times: number }[] = []
  private readonly failures: { match: Match; status: number; code: number; message: string; times: number }[] = []
  private readonly delays: { match: Match; ms: number }[] = []
  private readonly acks = new Map<string, (value: { type: number; at: number }) => void>()
  private readonly http: Server
  private readonly wss: WebSocketServer
  private port = 0

  private constructor(
    private readonly options: { token: string; heartbeatIntervalMs: number; ackDeadlineMs: number; shards: number },
  ) {
    this.bot = { id: this.snowflake(), username: 'gridshare' }
    this.applicationId = this.bot.id
    this.guild = { id: this.snowflake(), name: 'Gridshare DAO', channelId: this.snowflake() }
    this.http = createServer((req, res) => void this.onRequest(req, res))
    this.wss = new WebSocketServer({ server: this.http, path: '/gateway' })
    this.wss.on('connection', (ws, req) => this.onConnection(ws, req))
  }

  /** `shards`: the count GET /gateway/bot recommends (a sharded start uses it). */
  static async start(options: { token: string; heartbeatIntervalMs?: number; ackDeadlineMs?: number; shards?: number }): Promise<LocalDiscordServer> {
    const server = new LocalDiscordServer({ heartbeatIntervalMs: 41_250, ackDeadlineMs: 3000, shards: 1, ...options })
    await new Promise<void>((resolve) => server.http.listen(0, '127.0.0.1', resolve))
    server.port = (server.http.address() as AddressInfo).port
    return server
  }

  /** The value for the adapter's apiBase (discord.js appends /v10). */
  get apiBase(): string {
    return `http://127.0.0.1:${this.port}/api`
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`
  }

  /** Requests answered with an error status (4xx, 5xx), injected ones included. */
  get errors(): RecordedRequest[] {
    return this.requests.filter((r) => r.status >= 400)
  }

  user(username: string): FakeUser {
    return { id: this.snowflake(), username }
  }

  closeDms(userId: string): void {
    this.closedDms.add(userId)
  }

  openDms(userId: string): void {
    this.closedDms.delete(userId)
  }

  /** The next `times` matching requests are answered 429. */
  rateLimitNext(match: Match, { retryAfter, global = false, times = 1 }: { retryAfter: number; global?: boolean; times?: number }): void {
    this.rateLimits.push({ match, retryAfter, global, times })
  }

  /** The next `times` matching requests fail with this status and Discord code. */
  failNext(match: Match, { status, code, message, times = 1 }: { status: number; code: number; message: string; times?: number }): void {
    this.failures.push({ match, status, code, message, times })
  }

  /** Matching requests take this long to answer; returns a function that stops the delay. */
  delay(match: Match, ms: number): () => void {
    const entry = { match, ms }
    this.delays.push(entry)
    return () => void this.delays.splice(this.delays.indexOf(entry), 1)
  }

  dmChannelOf(userId: string): string {
    let id = this.dmChannels.get(userId)
    if (!id) {
      id = this.snowflake()
      this.dmChannels.set(userId, id)
      this.dmRecipients.set(id, userId)
    }
    return id
  }

  messagesIn(channelId: string): StoredMessage[] {
    return [...this.messages.values()].filter((m) => m.channel_id === channelId && !m.deleted)
  }

  // ── injecting interactions ────────────────────────────────────────────

  slash(params: { user: FakeUser; name: string; options?: { name: string; type: number; value: unknown }[]; where?: Where; ageMs?: number }): InteractionRecord {
    const commandId = this.registeredCommand(params.name)?.id ?? this.snowflake()
    const data = { id: commandId, name: params.name, type: 1, ...(params.options ? { options: params.options } : {}) }
    return this.inject(2, data, params.user, params.where ?? 'guild', params.ageMs ?? 0)
  }

  autocomplete(params: {
    user: FakeUser
    name: string
    options: { name: string; type: number; value: unknown; focused?: boolean }[]
    where?: Where
  }): InteractionRecord {
    const commandId = this.registeredCommand(params.name)?.id ?? this.snowflake()
    return this.inject(4, { id: commandId, name: params.name, type: 1, options: params.options }, params.user, params.where ?? 'guild', 0)
  }

  press(params: { user: FakeUser; message: StoredMessage; customId: string; ageMs?: number }): InteractionRecord {
    const where: Where = this.dmRecipients.has(params.message.channel_id) ? 'dm' : 'guild'
    const record = this.inject(
      3,
      { custom_id: params.customId, component_type: 2 },
      params.user,
      where,
      params.ageMs ?? 0,
      params.message,
    )
    return record
  }

  /** Polls until `check` returns something truthy. */
  async waitFor<T>(check: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
    const until = Date.now() + timeoutMs
    for (;;) {
      const value = check()
      if (value) return value
      if (Date.now() > until) throw new Error(`LocalDiscordServer.waitFor timed out after ${timeoutMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.ws.terminate()
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
    this.http.closeAllConnections()
    await new Promise<void>((resolve) => this.http.close(() => resolve()))
  }

  private registeredCommand(name: string): any {
    return [...this.commands.global, ...[...this.commands.guilds.values()].flat()].find((c) => c.name === name)
  }

  private inject(type: 2 | 3 | 4, data: unknown, user: FakeUser, where: Where, ageMs: number, message?: StoredMessage): InteractionRecord {
    const createdAt = Date.now() - ageMs
    const id = this.snowflake(createdAt)
    const token = `aW50ZXJhY3Rpb246${randomBytes(24).toString('base64url')}`
    const channelId = where === 'dm' ? this.dmChannelOf(user.id) : this.guild.channelId
    let resolveAck!: (value: { type: number; at: number }) => void
    const acked = new Promise<{ type: number; at: number }>((resolve) => (resolveAck = resolve))
    const record: InteractionRecord = { id, token, type, createdAt, user, channelId, where, messageId: message?.id, followUpIds: [], acked }
    this.interactions.set(id, record)
    this.acks.set(id, resolveAck)
    const permissions = '2248473465835073'
    const base = {
      id,
      application_id: this.applicationId,
      type,
      token,
      version: 1,
      data,
      app_permissions: permissions,
      locale: 'en-US',
      entitlements: [],
      attachment_size_limit: 10_485_760,
      ...(message ? { message: messageJson(message, this.bot, this.applicationId) } : {}),
    }
    const payload =
      where === 'guild'
        ? {
            ...base,
            guild_id: this.guild.id,
            guild_locale: 'en-US',
            channel_id: channelId,
            channel: { id: channelId, type: 0, guild_id: this.guild.id, name: 'general', position: 0, permissions, nsfw: false, parent_id: null, flags: 0 },
            member: { user: userJson(user), roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0, permissions, nick: null, avatar: null, pending: false },
            authorizing_integration_owners: { '0': this.guild.id },
            context: 0,
          }
        : {
            ...base,
            channel_id: channelId,
            channel: { id: channelId, type: 1, recipients: [userJson(user)], last_message_id: null, flags: 0 },
            user: userJson(user),
            authorizing_integration_owners: {},
            context: 1,
          }
    // Guild events go to the guild's shard, DMs to shard 0, as on Discord.
    const guildId = where === 'guild' ? BigInt(this.guild.id) : 0n
    this.dispatch('INTERACTION_CREATE', payload, (shard) => BigInt(shard[0]) === (guildId >> 22n) % BigInt(shard[1]))
    return record
  }

  // ── gateway ───────────────────────────────────────────────────────────

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams
    this.gateway.connections.push({ query })
    if (query.get('v') !== '10') return ws.close(4012, 'Invalid API version')
    if (query.get('encoding') !== 'json') return ws.close(4002, 'Only json encoding is supported here')
    if (query.has('compress')) return ws.close(4002, 'Transport compression is not supported here')
    const session: Session = { ws, seq: 0, shard: [0, 1], identified: false }
    this.sessions.add(session)
    ws.on('close', () => this.sessions.delete(session))
    ws.on('message', (raw) => this.onGatewayMessage(session, raw.toString()))
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.options.heartbeatIntervalMs }, s: null, t: null }))
  }

  private onGatewayMessage(session: Session, raw: string): void {
    let payload: { op: number; d: any }
    try {
      payload = JSON.parse(raw)
    } catch {
      return session.ws.close(4002, 'Error while decoding payload')
    }
    switch (payload.op) {
      case 1:
        this.gateway.heartbeats++
        session.ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }))
        return
      case 2:
        return this.identify(session, payload.d)
      case 6:
        session.identified = true
        return this.send(session, 'RESUMED', {})
      default:
        return
    }
  }

  private identify(session: Session, d: any): void {
    this.gateway.identifies.push(d)
    if (session.identified) return session.ws.close(4005, 'Already authenticated')
    if (d?.token !== this.options.token) return session.ws.close(4004, 'Authentication failed')
    if (typeof d.intents !== 'number') return session.ws.close(4013, 'Invalid intent(s)')
    session.identified = true
    session.shard = Array.isArray(d.shard) ? d.shard : [0, 1]
    const ownsGuild = (BigInt(this.guild.id) >> 22n) % BigInt(session.shard[1]) === BigInt(session.shard[0])
    this.send(session, 'READY', {
      v: 10,
      user: { ...userJson(this.bot, true), verified: true, mfa_enabled: false, flags: 0 },
      guilds: ownsGuild ? [{ id: this.guild.id, unavailable: true }] : [],
      session_id: randomBytes(16).toString('hex'),
      resume_gateway_url: this.gatewayUrl,
      shard: session.shard,
      application: { id: this.applicationId, flags: 0 },
      private_channels: [],
      presences: [],
      relationships: [],
    })
    if (ownsGuild) this.send(session, 'GUILD_CREATE', guildJson(this.guild, this.bot))
  }

  private dispatch(t: string, d: unknown, toShard: (shard: [number, number]) => boolean): void {
    for (const session of this.sessions) if (session.identified && toShard(session.shard)) this.send(session, t, d)
  }

  private send(session: Session, t: string, d: unknown): void {
    session.ws.send(JSON.stringify({ op: 0, t, s: ++session.seq, d }))
  }

  // ── REST ──────────────────────────────────────────────────────────────

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const method = req.method ?? 'GET'
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    let body: any
    try {
      body = text && req.headers['content-type']?.includes('application/json') ? JSON.parse(text) : text || undefined
    } catch {
      body = text
    }
    const pathname = decodeURIComponent(url.pathname)
    const path = pathname.startsWith(API_PREFIX) ? pathname.slice(API_PREFIX.length) : pathname
    const record: RecordedRequest = { method, path, query: url.searchParams, body, status: 0, at: Date.now() }
    this.requests.push(record)
    this.inFlight++
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight)
    try {
      const delay = this.delays.find((d) => matches(d.match, method, path))
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay.ms))
      const answer = this.injected(method, path) ?? this.route(req, method, path, url.searchParams, body)
      record.status = answer.status
      record.code = (answer.body as { code?: number } | undefined)?.code
      const headers: Record<string, string> = { ...answer.headers }
      if (answer.body === undefined) {
        // 204s carry no body and no JSON content type, as on Discord.
        res.writeHead(answer.status, headers).end()
      } else {
        res.writeHead(answer.status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(answer.body))
      }
    } finally {
      this.inFlight--
    }
  }

  private injected(method: string, path: string): Answer | undefined {
    const limit = this.rateLimits.find((r) => r.times > 0 && matches(r.match, method, path))
    if (limit) {
      limit.times--
      return {
        status: 429,
        headers: {
          // Whole seconds in the header, the precise value in the body and Reset-After, as Discord sends them.
          'retry-after': String(Math.ceil(limit.retryAfter)),
          'x-ratelimit-limit': '5',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(Date.now() / 1000 + limit.retryAfter),
          'x-ratelimit-reset-after': String(limit.retryAfter),
          'x-ratelimit-bucket': 'b0a4b1e5c0ffee',
          'x-ratelimit-scope': limit.global ? 'global' : 'user',
          ...(limit.global ? { 'x-ratelimit-global': 'true' } : {}),
        },
        body: { message: 'You are being rate limited.', retry_after: limit.retryAfter, global: limit.global, code: 0 },
      }
    }
    const failure = this.failures.find((f) => f.times > 0 && matches(f.match, method, path))
    if (failure) {
      failure.times--
      return { status: failure.status, body: { message: failure.message, code: failure.code } }
    }
    return undefined
  }

  private route(req: IncomingMessage, method: string, path: string, query: URLSearchParams, body: any): Answer {
    let m: RegExpExecArray | null
    if ((m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path)) && method === 'POST') return this.callback(m[1]!, m[2]!, body, query)
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)(\/messages\/@original)?$/.exec(path))) return this.webhook(method, m[1]!, m[2]!, Boolean(m[3]), body)
    if (req.headers.authorization !== `Bot ${this.options.token}`) return error(401, 0, '401: Unauthorized')
    if (path === '/gateway/bot' && method === 'GET') {
      return ok({
        url: this.gatewayUrl,
        shards: this.options.shards,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
      })
    }
    if (path === '/users/@me' && method === 'GET') return ok({ ...userJson(this.bot, true), verified: true, flags: 0 })
    if (path === '/users/@me/channels' && method === 'POST') return this.openDm(body)
    if ((m = /^\/channels\/(\d+)\/messages$/.exec(path)) && method === 'POST') return this.createChannelMessage(m[1]!, body)
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path)) && method === 'PATCH') return this.editChannelMessage(m[1]!, m[2]!, body)
    if ((m = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path))) return this.applicationCommands(method, m[1]!, m[2], body)
    return error(404, 0, '404: Not Found')
  }

  private applicationCommands(method: string, applicationId: string, guildId: string | undefined, body: any): Answer {
    if (applicationId !== this.applicationId) return error(403, 50001, 'Missing Access')
    if (guildId && guildId !== this.guild.id) return error(403, 50001, 'Missing Access')
    const current = guildId ? (this.commands.guilds.get(guildId) ?? []) : this.commands.global
    if (method === 'GET') return ok(current)
    if (method !== 'PUT') return error(405, 0, '405: Method Not Allowed')
    const problem = commandListProblem(body)
    if (problem) return error(400, 50035, `Invalid Form Body: ${problem}`)
    const stored = (body as any[]).map((command) => {
      const existing = current.find((c) => c.name === command.name)
      return {
        id: existing?.id ?? this.snowflake(),
        application_id: this.applicationId,
        version: this.snowflake(),
        type: 1,
        default_member_permissions: null,
        nsfw: false,
        ...(guildId ? { guild_id: guildId } : {}),
        ...command,
        // Discord leaves out `required: false` when it echoes options back.
        options: (command.options ?? []).map(({ required, ...option }: any) => (required ? { ...option, required } : option)),
      }
    })
    if (guildId) this.commands.guilds.set(guildId, stored)
    else this.commands.global = stored
    return ok(stored)
  }

  private callback(id: string, token: string, body: any, query: URLSearchParams): Answer {
    const interaction = this.interactions.get(id)
    if (!interaction || interaction.token !== token) return error(404, 10062, 'Unknown interaction')
    if (Date.now() - interaction.createdAt > this.options.ackDeadlineMs) return error(404, 10062, 'Unknown interaction')
    if (interaction.ack) return error(400, 40060, 'Interaction has already been acknowledged.')
    const type = body?.type
    const data = body?.data ?? {}
    const component = interaction.type === 3
    const autocomplete = interaction.type === 4
    const allowed = autocomplete ? [8] : component ? [4, 5, 6, 7] : [4, 5]
    if (!allowed.includes(type)) return error(400, 50035, `Invalid Form Body: interaction response type ${type} is not valid here`)
    if (type === 4 || type === 7) {
      const problem = messageProblem(data, type === 7)
      if (problem) return error(400, 50035, `Invalid Form Body: ${problem}`)
    }
    if (type === 8) {
      const choices = data.choices ?? []
      if (!Array.isArray(choices) || choices.length > 25) return error(400, 50035, 'Invalid Form Body: at most 25 choices')
      interaction.autocompleteChoices = choices
    }
    if (type === 4) interaction.originalId = this.storeMessage(interaction.channelId, data, interaction.id).id
    if (type === 5) interaction.originalId = this.storeMessage(interaction.channelId, { content: '', flags: (data.flags ?? 0) | 128 }, interaction.id).id
    if (type === 6) interaction.originalId = interaction.messageId
    if (type === 7) {
      interaction.originalId = interaction.messageId
      this.editMessage(interaction.messageId!, data)
    }
    const at = Date.now()
    interaction.ack = { type, at, data }
    this.acks.get(id)?.({ type, at })
    if (query.get('with_response') === 'true') {
      const message = interaction.originalId ? this.messages.get(interaction.originalId) : undefined
      return ok({
        interaction: { id, type: interaction.type },
        resource: { type, ...(message ? { message: messageJson(message, this.bot, this.applicationId) } : {}) },
      })
    }
    return { status: 204 }
  }

  private webhook(method: string, applicationId: string, token: string, original: boolean, body: any): Answer {
    const interaction = [...this.interactions.values()].find((i) => i.token === token)
    if (!interaction || applicationId !== this.applicationId || !interaction.ack) return error(404, 10015, 'Unknown Webhook')
    if (Date.now() - interaction.ack.at > 15 * 60_000) return error(401, 50027, 'Invalid Webhook Token')
    if (original) {
      const message = interaction.originalId ? this.messages.get(interaction.originalId) : undefined
      if (!message || message.deleted) return error(404, 10008, 'Unknown Message')
      if (method === 'DELETE') {
        message.deleted = true
        return { status: 204 }
      }
      if (method === 'GET') return ok(messageJson(message, this.bot, this.applicationId))
      if (method !== 'PATCH') return error(405, 0, '405: Method Not Allowed')
      const problem = messageProblem(body, true)
      if (problem) return error(400, 50035, `Invalid Form Body: ${problem}`)
      return ok(messageJson(this.editMessage(message.id, body), this.bot, this.applicationId))
    }
    if (method !== 'POST') return error(405, 0, '405: Method Not Allowed')
    const problem = messageProblem(body, false)
    if (problem) return error(400, 50035, `Invalid Form Body: ${problem}`)
    const message = this.storeMessage(interaction.channelId, body, interaction.id)
    interaction.followUpIds.push(message.id)
    return ok(messageJson(message, this.bot, this.applicationId))
  }

  private openDm(body: any): Answer {
    const userId = body?.recipient_id
    if (typeof userId !== 'string') return error(400, 50035, 'Invalid Form Body: recipient_id is required')
    const id = this.dmChannelOf(userId)
    return ok({ id, type: 1, last_message_id: null, flags: 0, recipients: [userJson({ id: userId, username: `user${userId.slice(-4)}` })] })
  }

  private createChannelMessage(channelId: string, body: any): Answer {
    const recipient = this.dmRecipients.get(channelId)
    if (!recipient && channelId !== this.guild.channelId) return error(404, 10003, 'Unknown Channel')
    if (recipient && this.closedDms.has(recipient)) return error(403, 50007, 'Cannot send messages to this user')
    const problem = messageProblem(body, false)
    if (problem) return error(400, 50035, `Invalid Form Body: ${problem}`)
    return ok(messageJson(this.storeMessage(channelId, body), this.bot, this.applicationId))
  }

  /** A bot may edit its own messages in a channel, interaction answers included (not ephemeral ones). */
  private editChannelMessage(channelId: string, messageId: string, body: any): Answer {
    const message = this.messages.get(messageId)
    if (!message || message.deleted || message.channel_id !== channelId || (message.flags & 64) !== 0) return error(404, 10008, 'Unknown Message')
    const problem = messageProblem(body, true)
    if (problem) return error(400, 50035, `Invalid Form Body: ${problem}`)
    return ok(messageJson(this.editMessage(message.id, body), this.bot, this.applicationId))
  }

  private storeMessage(channelId: string, data: any, interactionId?: string): StoredMessage {
    const message: StoredMessage = {
      id: this.snowflake(),
      channel_id: channelId,
      content: data.content ?? '',
      embeds: data.embeds ?? [],
      components: data.components ?? [],
      flags: data.flags ?? 0,
      interactionId,
      edits: 0,
    }
    this.messages.set(message.id, message)
    return message
  }

  private editMessage(id: string, data: any): StoredMessage {
    const message = this.messages.get(id)!
    if ('content' in data) message.content = data.content ?? ''
    if ('components' in data) message.components = data.components ?? []
    if ('embeds' in data) message.embeds = data.embeds ?? []
    message.flags &= ~128 // no longer "thinking…"
    message.edits++
    return message
  }
}

interface Answer {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

function ok(body: unknown): Answer {
  return { status: 200, body }
}

function error(status: number, code: number, message: string): Answer {
  return { status, body: { message, code } }
}

function matches(match: Match, method: string, path: string): boolean {
  return (!match.method || match.method === method) && match.path.test(path)
}

/** Discord's message limits; `edit` allows a body that changes only some fields. */
function messageProblem(data: any, edit: boolean): string | undefined {
  if (typeof data !== 'object' || data === null) return 'body is not an object'
  const content = data.content ?? ''
  if (typeof content !== 'string' || content.length > MAX_CONTENT) return `content: must be ${MAX_CONTENT} or fewer in length`
  const rows = data.components ?? []
  if (!edit && content === '' && rows.length === 0 && !(data.embeds ?? []).length) return 'Cannot send an empty message'
  const embedProblem = embedsProblem(data.embeds ?? [])
  if (embedProblem) return embedProblem
  if (rows.length > 5) return 'components: at most 5 action rows'
  for (const row of rows) {
    if (row.type !== 1 || !Array.isArray(row.components) || row.components.length === 0 || row.components.length > 5) {
      return 'components: an action row holds 1 to 5 components'
    }
    for (const button of row.components) {
      if (button.type !== 2) return 'components: only buttons are supported here'
      if (typeof button.label !== 'string' || button.label.length > 80) return 'components: button label must be 80 or fewer in length'
      if (button.style === 5 ? !button.url || button.custom_id : !button.custom_id || button.custom_id.length > 100) {
        return 'components: link buttons need a url, other buttons a custom_id of at most 100 characters'
      }
    }
  }
  return undefined
}

/** Discord's embed limits (resources/message#embed-object-embed-limits); an
 *  image is fetched by Discord's servers, so it must be an http(s) or attachment:// URL. */
function embedsProblem(embeds: any[]): string | undefined {
  if (!Array.isArray(embeds)) return 'embeds: must be an array'
  if (embeds.length > 10) return 'embeds: Must be 10 or fewer in length.'
  let total = 0
  for (const [i, embed] of embeds.entries()) {
    const at = `embeds.${i}`
    if (embed.title !== undefined && (typeof embed.title !== 'string' || embed.title.length > 256)) return `${at}.title: Must be 256 or fewer in length.`
    if (embed.description !== undefined && (typeof embed.description !== 'string' || embed.description.length > 4096))
      return `${at}.description: Must be 4096 or fewer in length.`
    if (embed.color !== undefined && (!Number.isInteger(embed.color) || embed.color < 0 || embed.color > 0xffffff)) return `${at}.color: Int value should be between 0 and 16777215.`
    const fields = embed.fields ?? []
    if (fields.length > 25) return `${at}.fields: Must be 25 or fewer in length.`
    for (const [j, field] of fields.entries()) {
      if (typeof field.name !== 'string' || field.name.length < 1 || field.name.length > 256) return `${at}.fields.${j}.name: Must be between 1 and 256 in length.`
      if (typeof field.value !== 'string' || field.value.length < 1 || field.value.length > 1024) return `${at}.fields.${j}.value: Must be between 1 and 1024 in length.`
      total += field.name.length + field.value.length
    }
    if (embed.image !== undefined && !/^(https?:\/\/|attachment:\/\/)\S+$/.test(embed.image?.url ?? '')) return `${at}.image.url: Scheme must be one of ('http', 'https', 'attachment').`
    total += (embed.title?.length ?? 0) + (embed.description?.length ?? 0) + (embed.footer?.text?.length ?? 0) + (embed.author?.name?.length ?? 0)
    if (!embed.title && !embed.description && !fields.length && !embed.image) return `${at}: Embed is empty.`
  }
  if (total > 6000) return 'embeds: Embed size exceeds maximum size of 6000'
  return undefined
}

function commandListProblem(body: unknown): string | undefined {
  if (!Array.isArray(body)) return 'expected an array of commands'
  if (body.length > 100) return 'at most 100 commands'
  for (const command of body) {
    if (!/^[-_\p{L}\p{N}]{1,32}$/u.test(command.name ?? '')) return `name ${command.name} is not valid`
    if (typeof command.description !== 'string' || command.description.length < 1 || command.description.length > 100) {
      return `${command.name}: description must be 1 to 100 characters`
    }
    const options = command.options ?? []
    if (options.length > 25) return `${command.name}: at most 25 options`
    let optionalSeen = false
    for (const option of options) {
      if (![3, 4, 5, 10].includes(option.type)) return `${command.name}.${option.name}: unsupported option type ${option.type}`
      if (!/^[-_\p{L}\p{N}]{1,32}$/u.test(option.name ?? '')) return `${command.name}: option name ${option.name} is not valid`
      if (typeof option.description !== 'string' || option.description.length < 1 || option.description.length > 100) {
        return `${command.name}.${option.name}: description must be 1 to 100 characters`
      }
      if (option.required && optionalSeen) return `${command.name}: required options must be placed before non-required options`
      if (!option.required) optionalSeen = true
      if (option.choices && option.choices.length > 25) return `${command.name}.${option.name}: at most 25 choices`
      if (option.choices && option.autocomplete) return `${command.name}.${option.name}: autocomplete cannot be used with choices`
    }
  }
  return undefined
}
