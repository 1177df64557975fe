import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { BotCommand, Chat, InlineKeyboardMarkup, Message, MessageEntity, Update, User, UserFromGetMe } from 'telegraf/types'
import { HtmlParseError, parseTelegramHtml } from './parseTelegramHtml.ts'

/** One Bot API request as the server saw it. */
export interface RecordedCall {
  seq: number
  method: string
  payload: Record<string, any>
  /** performance.now() when the request arrived and when it was answered. */
  receivedAt: number
  answeredAt?: number
  ok?: boolean
  result?: any
  error?: { error_code: number; description: string; parameters?: { retry_after?: number } }
}

export interface TestUser extends User {
  is_bot: false
}

export interface Fault {
  /** 429, 403, 400 or a 5xx. */
  code: number
  description?: string
  /** Seconds, for a 429. */
  retryAfter?: number
  /** Only calls for this chat; any chat when absent. */
  chatId?: number | string
  /** How many calls get this answer. */
  times?: number
}

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number },
  ) {
    super(description)
  }
}

const NOT_MODIFIED =
  'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message'

/** A Bot API server on 127.0.0.1 that behaves like Telegram where the adapter
 *  depends on it: /bot<token>/<method> routes, HTML parse mode validated as
 *  Telegram does, the 4,096-character limit, sendPhoto by public URL with a
 *  1,024-character caption, long polling with offsets,
 *  webhooks with the secret header, callback queries that must be answered
 *  once, 403 for users who never started or blocked the bot, and injected
 *  429s and 5xx. Every call is recorded for assertions. */
export class LocalBotApi {
  readonly calls: RecordedCall[] = []
  readonly me: UserFromGetMe
  readonly webhookDeliveries: { updateId: number; status: number }[] = []
  private server!: Server
  private port = 0
  private nextUpdateId = 1
  private nextQueryId = 1
  private readonly pending: Update[] = []
  private allowedUpdates: string[] = []
  private readonly pollers = new Set<() => void>()
  private readonly users = new Map<number, TestUser>()
  private readonly groups = new Map<number, Chat>()
  private readonly started = new Set<number>()
  private readonly blocked = new Map<number, string>()
  private readonly messages = new Map<string, Message.TextMessage>()
  private readonly nextMessageId = new Map<number, number>()
  private readonly queries = new Map<string, { answered: boolean }>()
  private readonly commandMenus = new Map<string, BotCommand[]>()
  private webhook: { url: string; secret?: string; allowedUpdates?: string[] } | undefined
  private readonly faults: (Fault & { method: string; times: number })[] = []
  private readonly botMessages = new Map<number, Message.TextMessage[]>()
  private readonly readCursor = new Map<number, number>()
  private readonly callWaiters = new Set<(call: RecordedCall) => void>()
  private readonly messageWaiters = new Map<number, Set<() => void>>()

  private constructor(readonly token: string, botUsername: string) {
    this.me = {
      id: Number(token.split(':')[0]),
      is_bot: true,
      first_name: 'Gridshare',
      username: botUsername,
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    } as UserFromGetMe
  }

  static async start(options: { token?: string; botUsername?: string } = {}): Promise<LocalBotApi> {
    const api = new LocalBotApi(options.token ?? '7000001:AAtestSECRETtokenAbcdefghijklmnop_-xyz', options.botUsername ?? 'GridshareTestBot')
    api.server = createServer((req, res) => void api.onRequest(req, res))
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve))
    api.port = (api.server.address() as AddressInfo).port
    return api
  }

  /** The apiRoot to give telegraf. */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`
  }

  async close(): Promise<void> {
    for (const wake of this.pollers) wake()
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  // ---- people and chats ----------------------------------------------------

  /** A Telegram user. `started: false` means they never opened a private chat with the bot. */
  user(id: number, firstName: string, options: { username?: string; started?: boolean } = {}): TestUser {
    const user: TestUser = { id, is_bot: false, first_name: firstName, language_code: 'en', ...(options.username ? { username: options.username } : {}) }
    this.users.set(id, user)
    if (options.started ?? true) this.started.add(id)
    return user
  }

  group(id: number, title: string): Chat.SupergroupChat {
    const chat: Chat.SupergroupChat = { id, type: 'supergroup', title }
    this.groups.set(id, chat)
    return chat
  }

  /** The user blocks the bot: every message to them is refused with 403 from now on. */
  block(userId: number, description = 'Forbidden: bot was blocked by the user'): void {
    this.blocked.set(userId, description)
  }

  // ---- what users do -------------------------------------------------------

  /** The user types text in a group, or in their private chat with the bot
   *  (which starts it, as pressing Start does). */
  sendText(from: TestUser, text: string, chat?: Chat): Message.TextMessage {
    const place = chat ?? this.privateChat(from)
    if (place.type === 'private') {
      this.started.add(from.id)
      this.blocked.delete(from.id)
    }
    const command = /^\/\S+/.exec(text)
    const message: Message.TextMessage = {
      message_id: this.newMessageId(place.id),
      from,
      chat: place,
      date: nowSeconds(),
      text,
      ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
    } as Message.TextMessage
    this.messages.set(key(place.id, message.message_id), message)
    this.pushUpdate({ message } as Update)
    return message
  }

  /** The user presses the button labelled `label` under a bot message. Like a
   *  real client, it refuses if the message no longer shows that button. */
  press(from: TestUser, message: Message.TextMessage, label: string): string {
    const current = this.messages.get(key(message.chat.id, message.message_id))
    if (!current) throw new Error(`no message ${message.message_id} in chat ${message.chat.id}`)
    return this.pressAsShown(from, current, label)
  }

  /** Presses a button on the message as the user's client last showed it:
   *  a slow client can still show a keyboard the bot has already removed. */
  pressAsShown(from: TestUser, shown: Message.TextMessage, label: string): string {
    const current = this.messages.get(key(shown.chat.id, shown.message_id))!
    const button = shown.reply_markup?.inline_keyboard.flat().find((b) => b.text === label)
    if (!button || !('callback_data' in button)) throw new Error(`message ${shown.message_id} shows no "${label}" button`)
    const id = String(this.nextQueryId++)
    this.queries.set(id, { answered: false })
    this.pushUpdate({ callback_query: { id, from, message: current, chat_instance: String(current.chat.id), data: button.callback_data } } as Update)
    return id
  }

  pushUpdate(update: Omit<Update, 'update_id'>): Update {
    const full = { update_id: this.nextUpdateId++, ...update } as Update
    if (this.webhook) {
      void this.deliverToWebhook(full)
    } else {
      this.pending.push(full)
      for (const wake of this.pollers) wake()
    }
    return full
  }

  // ---- what the bot did ----------------------------------------------------

  /** The next message the bot sent to this chat (in order), waiting for it if need be. */
  async nextMessage(chatId: number, timeoutMs = 5000): Promise<Message.TextMessage> {
    const cursor = this.readCursor.get(chatId) ?? 0
    this.readCursor.set(chatId, cursor + 1)
    const sent = this.botMessages.get(chatId)
    if (sent && sent.length > cursor) return sent[cursor]!
    return new Promise((resolve, reject) => {
      const waiters = this.messageWaiters.get(chatId) ?? new Set()
      this.messageWaiters.set(chatId, waiters)
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`the bot sent no message ${cursor + 1} to chat ${chatId} within ${timeoutMs} ms`))
      }, timeoutMs)
      const check = () => {
        const message = this.botMessages.get(chatId)?.[cursor]
        if (!message) return
        clearTimeout(timer)
        waiters.delete(check)
        resolve(message)
      }
      waiters.add(check)
    })
  }

  /** Messages the bot sent to this chat that no test has read yet. */
  unread(chatId: number): Message.TextMessage[] {
    return (this.botMessages.get(chatId) ?? []).slice(this.readCursor.get(chatId) ?? 0)
  }

  /** The first call, past or future, that matches. */
  waitFor(predicate: (call: RecordedCall) => boolean, timeoutMs = 5000): Promise<RecordedCall> {
    const done = this.calls.find((c) => c.answeredAt !== undefined && predicate(c))
    if (done) return Promise.resolve(done)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.callWaiters.delete(check)
        reject(new Error(`no matching Bot API call within ${timeoutMs} ms; calls: ${this.calls.map((c) => c.method).join(', ')}`))
      }, timeoutMs)
      const check = (call: RecordedCall) => {
        if (!predicate(call)) return
        clearTimeout(timer)
        this.callWaiters.delete(check)
        resolve(call)
      }
      this.callWaiters.add(check)
    })
  }

  /** The answer given to a callback query. */
  async answerOf(queryId: string): Promise<{ text?: string; show_alert?: boolean }> {
    const call = await this.waitFor((c) => c.method === 'answerCallbackQuery' && c.payload.callback_query_id === queryId)
    return { text: call.payload.text, show_alert: call.payload.show_alert }
  }

  callsOf(method: string, chatId?: number): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && (chatId === undefined || this.chatOfPayload(c.payload) === chatId))
  }

  /** A message as it stands now, after any edits. */
  messageNow(message: Message.TextMessage): Message.TextMessage | undefined {
    return this.messages.get(key(message.chat.id, message.message_id))
  }

  commandsFor(scope: Record<string, unknown> = { type: 'default' }): BotCommand[] | undefined {
    return this.commandMenus.get(JSON.stringify(scope))
  }

  webhookInfo() {
    return this.webhook
  }

  /** The next `times` calls of `method` (for `chatId`, if given) fail as Telegram would. */
  failNext(method: string, fault: Fault): void {
    this.faults.push({ ...fault, method, times: fault.times ?? 1 })
  }

  // ---- the HTTP side -------------------------------------------------------

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.apiRoot)
    const route = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname)
    if (!route) return respond(res, 404, { ok: false, error_code: 404, description: 'Not Found' })
    if (route[1] !== this.token) return respond(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' })
    const payload = { ...Object.fromEntries(url.searchParams), ...(await readJson(req)) }
    const call: RecordedCall = { seq: this.calls.length, method: route[2]!, payload, receivedAt: performance.now() }
    this.calls.push(call)
    try {
      this.injectFault(call)
      call.result = call.method === 'getUpdates' ? await this.getUpdates(payload, res) : this.dispatch(call.method, payload)
      call.ok = true
      respond(res, 200, { ok: true, result: call.result })
    } catch (caught) {
      const error = caught instanceof ApiError ? caught : new ApiError(500, `Internal Server Error: ${String(caught)}`)
      call.ok = false
      call.error = { error_code: error.code, description: error.description, ...(error.parameters ? { parameters: error.parameters } : {}) }
      // A 5xx comes from Telegram's front end as an HTML page, not a JSON answer.
      if (error.code >= 500) respondHtml(res, error.code, error.description)
      else respond(res, error.code, { ok: false, ...call.error })
    }
    call.answeredAt = performance.now()
    for (const waiter of [...this.callWaiters]) waiter(call)
  }

  private injectFault(call: RecordedCall): void {
    const index = this.faults.findIndex(
      (f) => f.method === call.method && (f.chatId === undefined || String(f.chatId) === String(call.payload.chat_id)),
    )
    if (index < 0) return
    const fault = this.faults[index]!
    if (--fault.times === 0) this.faults.splice(index, 1)
    const description =
      fault.description ??
      (fault.code === 429
        ? `Too Many Requests: retry after ${fault.retryAfter ?? 1}`
        : fault.code === 403
          ? 'Forbidden: bot was blocked by the user'
          : fault.code >= 500
            ? 'Bad Gateway'
            : 'Bad Request')
    throw new ApiError(fault.code, description, fault.code === 429 ? { retry_after: fault.retryAfter ?? 1 } : undefined)
  }

  private dispatch(method: string, p: Record<string, any>): unknown {
    switch (method) {
      case 'getMe':
        return this.me
      case 'sendMessage':
        return this.sendMessage(p)
      case 'sendPhoto':
        return this.sendPhoto(p)
      case 'editMessageText':
        return this.editMessageText(p)
      case 'editMessageReplyMarkup':
        return this.editMessageReplyMarkup(p)
      case 'answerCallbackQuery':
        return this.answerCallbackQuery(p)
      case 'setMyCommands':
        return this.setMyCommands(p)
      case 'getMyCommands':
        return this.commandMenus.get(scopeKey(p.scope)) ?? []
      case 'deleteMyCommands':
        this.commandMenus.delete(scopeKey(p.scope))
        return true
      case 'setWebhook':
        if (!p.url) {
          this.webhook = undefined
        } else {
          if (p.secret_token !== undefined && !/^[\w-]{1,256}$/.test(p.secret_token)) throw new ApiError(400, 'Bad Request: secret token contains unallowed characters')
          this.webhook = { url: p.url, secret: p.secret_token, allowedUpdates: p.allowed_updates }
          for (const wake of this.pollers) wake()
        }
        if (p.drop_pending_updates) this.pending.length = 0
        return true
      case 'deleteWebhook':
        this.webhook = undefined
        if (p.drop_pending_updates) this.pending.length = 0
        return true
      case 'getWebhookInfo':
        return { url: this.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: this.pending.length, allowed_updates: this.webhook?.allowedUpdates }
      default:
        throw new ApiError(404, 'Not Found')
    }
  }

  /** Long polling: answers at once when updates wait, else holds the request
   *  until one arrives or `timeout` seconds pass. An offset confirms (drops)
   *  every update before it. */
  private getUpdates(p: Record<string, any>, res: ServerResponse): Promise<Update[]> | Update[] {
    if (this.webhook) throw new ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
    const offset = Number(p.offset ?? 0)
    const limit = Math.min(100, Number(p.limit ?? 100))
    const timeout = Number(p.timeout ?? 0)
    if (Array.isArray(p.allowed_updates) && p.allowed_updates.length) this.allowedUpdates = p.allowed_updates
    if (offset > 0) while (this.pending.length && this.pending[0]!.update_id < offset) this.pending.shift()
    const ready = () => this.pending.filter((u) => this.allowed(u)).slice(0, limit)
    if (ready().length || timeout <= 0) return ready()
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        this.pollers.delete(wake)
        resolve(this.webhook ? [] : ready())
      }
      const timer = setTimeout(wake, timeout * 1000)
      this.pollers.add(wake)
      // The client gave up (telegraf aborts its poll on stop).
      res.once('close', () => {
        if (!res.writableFinished) wake()
      })
    })
  }

  private allowed(update: Update): boolean {
    // Telegram's default leaves out chat_member updates.
    if (this.allowedUpdates.length === 0) return !('chat_member' in update)
    return this.allowedUpdates.some((type) => type in update)
  }

  private async deliverToWebhook(update: Update): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (this.webhook!.secret) headers['x-telegram-bot-api-secret-token'] = this.webhook!.secret
    try {
      const response = await fetch(this.webhook!.url, { method: 'POST', headers, body: JSON.stringify(update) })
      await response.arrayBuffer()
      this.webhookDeliveries.push({ updateId: update.update_id, status: response.status })
    } catch {
      this.webhookDeliveries.push({ updateId: update.update_id, status: 0 })
    }
  }

  private sendMessage(p: Record<string, any>): Message.TextMessage {
    const chat = this.chatForSending(p.chat_id)
    const { text, entities } = parseText(p)
    const replyTo = p.reply_parameters?.message_id
    if (replyTo !== undefined && !this.messages.has(key(chat.id, replyTo)) && !p.reply_parameters.allow_sending_without_reply)
      throw new ApiError(400, 'Bad Request: message to be replied not found')
    const markup = checkMarkup(p.reply_markup)
    const message = {
      message_id: this.newMessageId(chat.id),
      from: this.me,
      chat,
      date: nowSeconds(),
      text,
      ...(entities.length ? { entities } : {}),
      ...(markup ? { reply_markup: markup } : {}),
    } as Message.TextMessage
    this.messages.set(key(chat.id, message.message_id), message)
    const sent = this.botMessages.get(chat.id) ?? []
    sent.push(message)
    this.botMessages.set(chat.id, sent)
    queueMicrotask(() => {
      for (const check of [...(this.messageWaiters.get(chat.id) ?? [])]) check()
    })
    return message
  }

  /** A photo by HTTP URL, which Telegram's servers fetch (so never a loopback
   *  or bare-host URL), or by file_id; the caption is at most 1,024 characters
   *  after parsing. Stored like a text message, with `photo` and `caption`. */
  private sendPhoto(p: Record<string, any>): Message.TextMessage {
    const chat = this.chatForSending(p.chat_id)
    if (typeof p.photo !== 'string' || p.photo === '') throw new ApiError(400, 'Bad Request: there is no photo in the request')
    if (/^https?:/i.test(p.photo) ? !isPublicUrl(p.photo) : !/^[\w-]{20,}$/.test(p.photo)) throw new ApiError(400, 'Bad Request: wrong HTTP URL specified')
    const { text: caption, entities } = p.caption === undefined || p.caption === '' ? { text: '', entities: [] } : parseText({ text: p.caption, parse_mode: p.parse_mode })
    if (caption.length > 1024) throw new ApiError(400, 'Bad Request: message caption is too long')
    const markup = checkMarkup(p.reply_markup)
    const message = {
      message_id: this.newMessageId(chat.id),
      from: this.me,
      chat,
      date: nowSeconds(),
      photo: [{ file_id: `photo-${chat.id}-${this.nextMessageId.get(chat.id)}-from-url`, file_unique_id: 'u', width: 960, height: 540 }],
      photoUrl: p.photo,
      ...(caption ? { caption } : {}),
      ...(entities.length ? { caption_entities: entities } : {}),
      ...(markup ? { reply_markup: markup } : {}),
    } as unknown as Message.TextMessage
    this.messages.set(key(chat.id, message.message_id), message)
    const sent = this.botMessages.get(chat.id) ?? []
    sent.push(message)
    this.botMessages.set(chat.id, sent)
    queueMicrotask(() => {
      for (const check of [...(this.messageWaiters.get(chat.id) ?? [])]) check()
    })
    return message
  }

  private editMessageText(p: Record<string, any>): Message.TextMessage {
    const message = this.editable(p)
    if (typeof message.text !== 'string') throw new ApiError(400, 'Bad Request: there is no text in the message to edit')
    const { text, entities } = parseText(p)
    const markup = checkMarkup(p.reply_markup)
    if (text === message.text && same(entities, message.entities ?? []) && same(markup, message.reply_markup)) throw new ApiError(400, NOT_MODIFIED)
    const edited = { ...message, text, edit_date: nowSeconds() } as Message.TextMessage
    if (entities.length) edited.entities = entities
    else delete edited.entities
    // Like Telegram: an edit without reply_markup removes the keyboard.
    if (markup) edited.reply_markup = markup
    else delete edited.reply_markup
    this.messages.set(key(message.chat.id, message.message_id), edited)
    return edited
  }

  private editMessageReplyMarkup(p: Record<string, any>): Message.TextMessage {
    const message = this.editable(p)
    const markup = checkMarkup(p.reply_markup)
    if (same(markup, message.reply_markup)) throw new ApiError(400, NOT_MODIFIED)
    const edited = { ...message, edit_date: nowSeconds() } as Message.TextMessage
    if (markup) edited.reply_markup = markup
    else delete edited.reply_markup
    this.messages.set(key(message.chat.id, message.message_id), edited)
    return edited
  }

  private answerCallbackQuery(p: Record<string, any>): true {
    const query = this.queries.get(String(p.callback_query_id))
    if (!query || query.answered) throw new ApiError(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid')
    if (typeof p.text === 'string' && p.text.length > 200) throw new ApiError(400, 'Bad Request: MESSAGE_TOO_LONG')
    query.answered = true
    return true
  }

  private setMyCommands(p: Record<string, any>): true {
    const commands: BotCommand[] = p.commands
    if (!Array.isArray(commands)) throw new ApiError(400, 'Bad Request: commands must be an array')
    if (commands.length > 100) throw new ApiError(400, 'Bad Request: too many commands')
    for (const c of commands) {
      if (!/^[a-z0-9_]{1,32}$/.test(c.command)) throw new ApiError(400, 'Bad Request: BOT_COMMAND_INVALID')
      if (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 256)
        throw new ApiError(400, 'Bad Request: BOT_COMMAND_DESCRIPTION_INVALID')
    }
    if (p.scope?.type === 'chat') this.chatForSending(p.scope.chat_id)
    this.commandMenus.set(scopeKey(p.scope), commands)
    return true
  }

  private editable(p: Record<string, any>): Message.TextMessage {
    if (p.inline_message_id) throw new ApiError(400, 'Bad Request: inline messages are not supported here')
    const message = this.messages.get(key(Number(p.chat_id), Number(p.message_id)))
    if (!message) throw new ApiError(400, 'Bad Request: message to edit not found')
    if (message.from?.id !== this.me.id) throw new ApiError(400, "Bad Request: message can't be edited")
    return message
  }

  /** Who the bot may write to: groups it is in, and users who started it and did not block it. */
  private chatForSending(chatId: unknown): Chat {
    const id = Number(chatId)
    const group = this.groups.get(id)
    if (group) return group
    const user = this.users.get(id)
    if (!user) throw new ApiError(400, 'Bad Request: chat not found')
    const blocked = this.blocked.get(id)
    if (blocked) throw new ApiError(403, blocked)
    if (!this.started.has(id)) throw new ApiError(403, "Forbidden: bot can't initiate conversation with a user")
    return this.privateChat(user)
  }

  private privateChat(user: TestUser): Chat.PrivateChat {
    return { id: user.id, type: 'private', first_name: user.first_name, ...(user.username ? { username: user.username } : {}) }
  }

  private chatOfPayload(payload: Record<string, any>): number {
    return Number(payload.chat_id)
  }

  private newMessageId(chatId: number): number {
    const id = (this.nextMessageId.get(chatId) ?? 0) + 1
    this.nextMessageId.set(chatId, id)
    return id
  }
}

function parseText(p: Record<string, any>): { text: string; entities: MessageEntity[] } {
  if (typeof p.text !== 'string' || p.text.trim() === '') throw new ApiError(400, 'Bad Request: message text is empty')
  let parsed: { text: string; entities: MessageEntity[] }
  if (p.parse_mode === 'HTML') {
    try {
      parsed = parseTelegramHtml(p.text)
    } catch (error) {
      if (error instanceof HtmlParseError) throw new ApiError(400, `Bad Request: can't parse entities: ${error.message}`)
      throw error
    }
  } else if (p.parse_mode !== undefined) {
    throw new ApiError(400, `Bad Request: unsupported parse_mode`)
  } else {
    parsed = { text: p.text, entities: [] }
  }
  if (parsed.text.trim() === '') throw new ApiError(400, 'Bad Request: message text is empty')
  // Telegram counts the text left after parsing, in UTF-16 code units.
  if (parsed.text.length > 4096) throw new ApiError(400, 'Bad Request: message is too long')
  return parsed
}

function checkMarkup(markup: unknown): InlineKeyboardMarkup | undefined {
  if (markup === undefined) return undefined
  const rows = (markup as InlineKeyboardMarkup).inline_keyboard
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) throw new ApiError(400, "Bad Request: can't parse inline keyboard button: InlineKeyboardButton must be an Object")
  for (const button of rows.flat() as unknown as Record<string, unknown>[]) {
    if (typeof button.text !== 'string' || button.text === '') throw new ApiError(400, 'Bad Request: text buttons are unallowed in the inline keyboard')
    if (typeof button.callback_data === 'string') {
      const bytes = Buffer.byteLength(button.callback_data)
      if (bytes < 1 || bytes > 64) throw new ApiError(400, 'Bad Request: BUTTON_DATA_INVALID')
    } else if (typeof button.url === 'string') {
      if (!isPublicUrl(button.url)) throw new ApiError(400, `Bad Request: inline keyboard button URL '${button.url}' is invalid: Wrong HTTP URL`)
    } else {
      throw new ApiError(400, 'Bad Request: text buttons are unallowed in the inline keyboard')
    }
  }
  return rows.length && rows.some((row) => row.length) ? (markup as InlineKeyboardMarkup) : undefined
}

/** Telegram refuses buttons that link to localhost or a bare host name. */
function isPublicUrl(url: string): boolean {
  try {
    const parsed = new URL(url)
    if (parsed.protocol === 'tg:') return true
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.hostname.includes('.') && !/^(127\.|localhost)/.test(parsed.hostname)
  } catch {
    return false
  }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null)
}

function scopeKey(scope: unknown): string {
  return JSON.stringify(scope ?? { type: 'default' })
}

function key(chatId: number, messageId: number): string {
  return `${chatId}:${messageId}`
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

async function readJson(req: IncomingMessage): Promise<Record<string, any>> {
  let body = ''
  for await (const chunk of req) body += chunk
  if (!body) return {}
  if ((req.headers['content-type'] ?? '').includes('application/json')) return JSON.parse(body)
  return Object.fromEntries(new URLSearchParams(body))
}

function respond(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

function respondHtml(res: ServerResponse, status: number, title: string): void {
  res.writeHead(status, title, { 'content-type': 'text/html' }).end(`<html><head><title>${status} ${title}</title></head></html>`)
}
