import type { Hono } from 'hono'
import { Telegraf } from 'telegraf'
import type { Update, UserFromGetMe } from 'telegraf/types'
import type { Logger } from '../../app/logger.ts'
import type { CommandPipeline } from '../../command/CommandPipeline.ts'
import type { Reply } from '../../command/reply.ts'
import type { Db } from '../../db/openDatabase.ts'
import { markDmReachable, markDmUnreachable } from '../../identity/dmReachability.ts'
import type { MessageEditor, PostedMessage } from '../../governance/proposalMessages.ts'
import type { ChatAdapter } from '../ChatAdapter.ts'
import { ConversationQueue } from './ConversationQueue.ts'
import { createTelegramWebhookApp } from './createTelegramWebhookApp.ts'
import { PendingStarts } from './PendingStarts.ts'
import { pollUpdates } from './pollUpdates.ts'
import { publishCommands } from './publishCommands.ts'
import { scrubToken } from './scrubToken.ts'
import { editLiveMessage, sendReply } from './sendReply.ts'
import { TelegramDeliveryError } from './TelegramDeliveryError.ts'
import { TelegramSender, type SenderLimits } from './TelegramSender.ts'
import { TelegramUpdateHandler } from './TelegramUpdateHandler.ts'

export interface TelegramAdapterDeps {
  pipeline: CommandPipeline
  db: Db
  logger: Logger
  /** Wall-clock milliseconds, for deep-link expiry and reachability stamps. */
  clock?: () => number
  /** TELEGRAM_BOT_TOKEN. */
  token: string
  /** TELEGRAM_API_ROOT: another Bot API server (a local one, or a test server). */
  apiRoot?: string
  /** TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET: webhook mode instead of long polling. */
  webhook?: { url: string; secret: string }
  /** Telegram's limits by default; tests and benchmarks loosen them. */
  limits?: Partial<SenderLimits>
  /** Telegram user ids from ADMIN_IDS: their private chats list the admin commands. */
  adminUserIds?: readonly string[]
  /** Updates handled at once before intake pauses. */
  maxUpdatesInFlight?: number
  /** Told where live replies (proposals with vote buttons) were posted, to refresh them. */
  onLivePost?: (posted: PostedMessage) => void
}

export interface TelegramAdapter extends ChatAdapter, MessageEditor {
  readonly platform: 'telegram'
  /** In webhook mode, the route Telegram posts to; mount it on the HTTP server. */
  readonly webhookApp?: Hono
  /** Known after start (getMe). */
  botUsername(): string | undefined
}

const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member'] as const
const STOP_DRAIN_MS = 10_000

/** The Telegram chat adapter: telegraf for the Bot API client and update
 *  contexts, our own polling loop and sender (pacing, retries, error
 *  classes), and the command pipeline for everything users type or press. */
export function createTelegramAdapter(deps: TelegramAdapterDeps): TelegramAdapter {
  const { pipeline, db, token } = deps
  const logger = deps.logger.child({ platform: 'telegram' })
  const clock = deps.clock ?? (() => Date.now())
  const webhookPath = deps.webhook ? webhookPathOf(deps.webhook) : undefined

  const bot = new Telegraf(token, { telegram: { apiRoot: deps.apiRoot, webhookReply: false } })
  const sender = new TelegramSender({
    callApi: (method, payload) => bot.telegram.callApi(method as never, payload as never),
    logger,
    token,
    limits: deps.limits,
    onUnreachable(chatId, description) {
      if (/^\d+$/.test(chatId)) markDmUnreachable(db, 'telegram', chatId, clock())
      else logger.warn({ chatId, description }, 'a Telegram group or channel refused the bot')
    },
  })
  let me: UserFromGetMe | undefined
  const handler = new TelegramUpdateHandler({
    pipeline,
    db,
    sender,
    pendingStarts: new PendingStarts({ clock }),
    clock,
    logger,
    botUsername: () => me?.username,
    onLivePost: deps.onLivePost,
  })
  const queue = new ConversationQueue({
    maxInFlight: deps.maxUpdatesInFlight ?? 1_000,
    onError: (error) => logFailure(logger, token, error, 'a Telegram update failed'),
  })
  bot.use(async (ctx) => {
    const conversation = TelegramUpdateHandler.conversationOf(ctx.update)
    if (conversation) await queue.enqueue(conversation, () => handler.handle(ctx.update))
  })
  bot.catch((error) => logFailure(logger, token, error, 'a Telegram update failed'))

  let running = false
  let polling: { loop: Promise<void>; abort: AbortController } | undefined

  const webhookApp =
    deps.webhook && webhookPath
      ? createTelegramWebhookApp({
          path: webhookPath,
          secret: deps.webhook.secret,
          accept: (update: Update) => bot.handleUpdate(update),
          isOpen: () => running,
        })
      : undefined

  return {
    platform: 'telegram',
    webhookApp,
    botUsername: () => me?.username,

    async start() {
      if (running) return
      try {
        me = await sender.call<UserFromGetMe>('getMe')
      } catch (error) {
        throw new Error(`Telegram refused to start the bot (getMe: ${(error as Error).message}); check TELEGRAM_BOT_TOKEN and TELEGRAM_API_ROOT.`)
      }
      bot.botInfo = me
      // A missing menu is cosmetic: commands still work when typed.
      await publishCommands(sender, pipeline.commands, deps.adminUserIds).catch((error: unknown) =>
        logFailure(logger, token, error, 'publishing the Telegram command menu failed'),
      )
      if (deps.webhook) {
        await sender.call('setWebhook', { url: deps.webhook.url, secret_token: deps.webhook.secret, allowed_updates: ALLOWED_UPDATES })
        running = true
      } else {
        // getUpdates answers 409 while a webhook is set.
        await sender.call('deleteWebhook', {})
        running = true
        const abort = new AbortController()
        const loop = pollUpdates({
          // telegraf types the signal as its abort-controller shim; node-fetch takes the native one.
          callApi: (method, payload, options) => bot.telegram.callApi(method, payload as never, options as never),
          handleUpdate: (update) => bot.handleUpdate(update),
          logger,
          token,
          allowedUpdates: ALLOWED_UPDATES,
          signal: abort.signal,
          retryBaseMs: deps.limits?.retryBaseMs,
        })
        polling = { loop, abort }
      }
      logger.info({ bot: me.username, mode: deps.webhook ? 'webhook' : 'polling' }, 'Telegram adapter started')
    },

    async stop() {
      if (!running) return
      running = false
      if (polling) {
        polling.abort.abort()
        await polling.loop
      }
      let timer: NodeJS.Timeout | undefined
      await Promise.race([queue.drain(), new Promise((resolve) => (timer = setTimeout(resolve, STOP_DRAIN_MS)))])
      clearTimeout(timer)
      sender.close()
    },

    async sendPrivate(userId: string, reply: Reply) {
      await sendReply(sender, userId, reply)
      markDmReachable(db, 'telegram', userId)
    },

    async sendToChannel(channelId: string, reply: Reply) {
      // Announcements are public by nature; private data reaching here is a bug, not a message.
      if (reply.private) throw new Error('a private reply was sent to a channel')
      const sent = await sendReply(sender, channelId, reply)
      const last = sent.at(-1)
      if (reply.live && last) deps.onLivePost?.({ platform: 'telegram', chatId: channelId, messageId: String(last.message_id), reply })
    },

    editMessage: (chatId: string, messageId: string, reply: Reply) => editLiveMessage(sender, chatId, messageId, reply),
  }
}

function webhookPathOf(webhook: { url: string; secret: string }): string {
  if (!/^[\w-]{1,256}$/.test(webhook.secret)) throw new Error('The Telegram webhook secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -.')
  const path = new URL(webhook.url).pathname
  if (path === '/') throw new Error('The Telegram webhook URL needs a path, such as https://bot.example.org/telegram/webhook.')
  return path
}

/** Logs an error with the token scrubbed from everything that could carry it. */
function logFailure(logger: Logger, token: string, error: unknown, message: string): void {
  const scrubbed =
    error instanceof Error
      ? { type: error.name, message: scrubToken(error.message, token), stack: error.stack && scrubToken(error.stack, token) }
      : { message: scrubToken(String(error), token) }
  // A delivery failure was logged in detail by the sender when it happened.
  if (error instanceof TelegramDeliveryError) logger.warn({ error: scrubbed, method: error.method, kind: error.kind }, message)
  else logger.error({ error: scrubbed }, message)
}
