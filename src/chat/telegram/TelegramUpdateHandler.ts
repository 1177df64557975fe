import { randomBytes } from 'node:crypto'
import type { CallbackQuery, ChatMemberUpdated, Message, Update } from 'telegraf/types'
import type { Logger } from '../../app/logger.ts'
import type { ChatPlace, ChatUser } from '../../command/CommandContext.ts'
import type { CommandPipeline, PressOutcome } from '../../command/CommandPipeline.ts'
import type { Reply } from '../../command/reply.ts'
import type { Db } from '../../db/openDatabase.ts'
import { isDmUnreachable, markDmReachable, markDmUnreachable } from '../../identity/dmReachability.ts'
import type { PostedMessage } from '../../governance/proposalMessages.ts'
import { DeliveryError } from '../../notify/DeliveryError.ts'
import { parseTelegramCommand } from './parseTelegramCommand.ts'
import type { PendingStarts } from './PendingStarts.ts'
import { editToReply, removeKeyboard, sendReply } from './sendReply.ts'
import { toChatPlace, toChatUser } from './telegramIdentity.ts'
import type { TelegramSender } from './TelegramSender.ts'

export interface TelegramUpdateHandlerDeps {
  pipeline: CommandPipeline
  db: Db
  sender: TelegramSender
  pendingStarts: PendingStarts
  clock: () => number
  logger: Logger
  botUsername: () => string | undefined
  /** Told where a live reply (a proposal with vote buttons) was posted in a group, to refresh it later. */
  onLivePost?: (posted: PostedMessage) => void
}

/** Where an answer came from: the message to thread it under in a group, and
 *  the command to run again if it has to wait for a private chat. */
interface Origin {
  replyTo?: number
  /** The command, when it has not run yet. */
  commandText?: string
  /** Its answer, when it ran but could not be delivered privately. */
  reply?: Reply
}

export const SENT_PRIVATELY = "I've sent you a private message."
const TOAST_LIMIT = 200

/** Turns Telegram updates into pipeline calls and their replies into messages. */
export class TelegramUpdateHandler {
  constructor(private readonly deps: TelegramUpdateHandlerDeps) {}

  /** The conversation (chat and user) an update belongs to, or undefined for
   *  updates we do not handle. */
  static conversationOf(update: Update): string | undefined {
    if ('message' in update) return 'text' in update.message && update.message.from ? `${update.message.chat.id}:${update.message.from.id}` : undefined
    if ('callback_query' in update) return `${update.callback_query.message?.chat.id ?? update.callback_query.from.id}:${update.callback_query.from.id}`
    if ('my_chat_member' in update) return `${update.my_chat_member.chat.id}:${update.my_chat_member.from.id}`
    return undefined
  }

  async handle(update: Update): Promise<void> {
    if ('message' in update && 'text' in update.message) await this.onText(update.message)
    else if ('callback_query' in update) await this.onCallbackQuery(update.callback_query)
    else if ('my_chat_member' in update) this.onMemberChange(update.my_chat_member)
  }

  private async onText(message: Message.TextMessage): Promise<void> {
    const { db, pipeline, sender } = this.deps
    if (!message.from || message.from.is_bot) return
    const user = toChatUser(message.from)
    const chat = toChatPlace(message.chat)
    const command = parseTelegramCommand(message.text, this.deps.botUsername())
    if (!command) {
      if (chat.kind === 'private' && !message.text.trimStart().startsWith('/'))
        await sendReply(sender, chat.id, { text: 'Commands start with /. Type /help for the list.' })
      return
    }
    if (command.name === 'start') return this.onStart(user, chat, command.args, message.message_id)
    const definition = pipeline.find(command.name)
    // In a group with several bots, an unknown command without our @name is another bot's.
    if (chat.kind === 'group' && !definition && !command.mentioned) return
    const commandText = command.args ? `/${command.name} ${command.args}` : `/${command.name}`
    const origin: Origin = { replyTo: message.message_id, commandText }
    // Known to be unreachable: skip running a command whose answer could not be delivered.
    if (chat.kind === 'group' && definition?.private && isDmUnreachable(db, 'telegram', user.id)) return this.offerPrivateChat(user, chat, origin)
    const reply = await pipeline.runText(user, chat, commandText)
    if (reply) await this.deliver(user, chat, reply, origin)
  }

  /** "/start" answers with a welcome; "/start <payload>" (from a deep link)
   *  runs the command that was waiting for this private chat. */
  private async onStart(user: ChatUser, chat: ChatPlace, payload: string, messageId: number): Promise<void> {
    const { pipeline, sender } = this.deps
    // Pressing Start sends /start, and only a user can open a private chat:
    // after it the bot may write to them again. (Unblocking arrives as my_chat_member.)
    if (chat.kind === 'private') markDmReachable(this.deps.db, 'telegram', user.id)
    if (payload && chat.kind === 'private') {
      const pending = this.deps.pendingStarts.take(payload, user.id)
      if (!pending) {
        await sendReply(sender, chat.id, { text: 'That link has expired or was already used. Run the command again, here or in the group.' })
        return
      }
      const reply = 'reply' in pending ? pending.reply : await pipeline.runText(user, chat, pending.commandText)
      if (reply) await this.deliver(user, chat, reply, {})
      return
    }
    const help = await pipeline.runText(user, chat, '/help')
    const welcome = 'Rent GPUs from the community, earn from your own, and vote on how the network is run, all with commands.'
    await sendReply(
      sender,
      chat.id,
      { ...help, title: 'Welcome to Gridshare!', text: help?.text ? `${welcome}\n\n${help.text}` : welcome, private: false },
      { replyTo: chat.kind === 'group' ? messageId : undefined },
    )
  }

  /** Sends a reply where it may be read: private data asked for in a group
   *  goes to the user's private chat, with a pointer left in the group. */
  private async deliver(user: ChatUser, chat: ChatPlace, reply: Reply, origin: Origin): Promise<void> {
    const { sender } = this.deps
    if (!reply.private || chat.kind === 'private') {
      const sent = await sendReply(sender, chat.id, reply, { replyTo: chat.kind === 'group' ? origin.replyTo : undefined })
      const last = sent.at(-1)
      if (reply.live && chat.kind === 'group' && last) this.deps.onLivePost?.({ platform: 'telegram', chatId: chat.id, messageId: String(last.message_id), reply })
      return
    }
    try {
      await sendReply(sender, user.id, reply)
    } catch (error) {
      // The sender has already marked the identity unreachable.
      // The command already ran: Start must bring back its answer, not run it again.
      if (error instanceof DeliveryError && error.kind === 'unreachable') return this.offerPrivateChat(user, chat, { replyTo: origin.replyTo, reply })
      throw error
    }
    await sendReply(sender, chat.id, { text: SENT_PRIVATELY }, { replyTo: origin.replyTo })
  }

  /** A bot may not open a private chat; the user must. A t.me deep link opens
   *  it with a Start button whose payload brings the command back. */
  private async offerPrivateChat(user: ChatUser, chat: ChatPlace, origin: Origin): Promise<void> {
    const pending = origin.reply ? { reply: origin.reply } : origin.commandText ? { commandText: origin.commandText } : undefined
    const payload = pending ? this.deps.pendingStarts.add(user.id, pending) : undefined
    const link = `https://t.me/${this.deps.botUsername()}${payload ? `?start=${payload}` : ''}`
    const text = payload
      ? `I can only answer that in a private chat, and you haven't started one with me yet. Open ${link} and press Start: I'll answer there.`
      : `I can only answer that in a private chat, and you haven't started one with me yet. Open ${link}, press Start, then try again.`
    await sendReply(this.deps.sender, chat.id, { text, buttons: [{ label: 'Open a private chat', url: link }] }, { replyTo: origin.replyTo })
  }

  private async onCallbackQuery(query: CallbackQuery): Promise<void> {
    const { pipeline, sender } = this.deps
    const user = toChatUser(query.from)
    const message = query.message
    const chat: ChatPlace = message ? toChatPlace(message.chat) : { id: user.id, kind: 'private' }
    const data = 'data' in query ? query.data : undefined
    let outcome: PressOutcome
    try {
      outcome = data ? await pipeline.press(user, chat, data) : { status: 'rejected', message: 'This button is no longer valid.' }
    } catch (error) {
      const ref = randomBytes(3).toString('hex')
      this.deps.logger.error({ err: error, ref }, 'button press failed')
      outcome = { status: 'rejected', message: `Something went wrong (ref ${ref}). Please try again.` }
    }
    // Anyone's button (a vote in a group): answered to the presser alone, the message untouched.
    if (outcome.shared) return this.answerShared(user, query.id, outcome)
    // Always answered: until then the user's client shows a spinner on the button.
    await this.answer(query.id, outcome.status === 'rejected' ? outcome.message : undefined)
    if (outcome.status !== 'ok') return
    const reply = outcome.reply
    // date 0 marks a message too old for the bot to see or edit.
    if (!message || message.date === 0) return this.deliver(user, chat, reply, {})
    if (reply.private && chat.kind === 'group') {
      await removeKeyboard(sender, chat.id, message.message_id)
      return this.deliver(user, chat, reply, { replyTo: message.message_id })
    }
    await editToReply(sender, chat.id, message.message_id, reply)
  }

  /** A short answer is a notice on the presser's screen; a longer one (a ballot,
   *  a /link to follow) a private message, or, when the user has not started a
   *  private chat, a notice whose tap opens one that brings the answer. */
  private async answerShared(user: ChatUser, queryId: string, outcome: PressOutcome): Promise<void> {
    const reply: Reply = outcome.status === 'ok' ? outcome.reply : { text: outcome.message, private: true }
    if (!outcome.detail) return this.answer(queryId, reply.text ?? 'Done.', { alert: outcome.status === 'rejected' })
    try {
      await sendReply(this.deps.sender, user.id, reply)
    } catch (error) {
      if (error instanceof DeliveryError && error.kind === 'unreachable') {
        const payload = this.deps.pendingStarts.add(user.id, { reply })
        return this.answer(queryId, undefined, { url: `https://t.me/${this.deps.botUsername()}?start=${payload}` })
      }
      // The private message failed for another reason: the notice still carries what it can.
      await this.answer(queryId, reply.text ?? 'Done.', { alert: true })
      throw error
    }
    await this.answer(queryId, SENT_PRIVATELY)
  }

  private async answer(queryId: string, toast: string | undefined, options: { alert?: boolean; url?: string } = {}): Promise<void> {
    try {
      await this.deps.sender.call('answerCallbackQuery', { callback_query_id: queryId, text: toast?.slice(0, TOAST_LIMIT), show_alert: options.alert || undefined, url: options.url })
    } catch (error) {
      // Logged by the sender; a query that timed out must not stop the outcome from being shown.
      if (!(error instanceof DeliveryError)) throw error
    }
  }

  /** A private chat's member update says the user blocked or restarted the bot. */
  private onMemberChange(update: ChatMemberUpdated): void {
    if (update.chat.type !== 'private') return
    const userId = String(update.from.id)
    const status = update.new_chat_member.status
    if (status === 'kicked') markDmUnreachable(this.deps.db, 'telegram', userId, this.deps.clock())
    else if (status === 'member') markDmReachable(this.deps.db, 'telegram', userId)
  }
}
