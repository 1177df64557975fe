import type { InlineKeyboardMarkup, Message } from 'telegraf/types'
import { isLoopbackUrl } from '../../command/isLoopbackUrl.ts'
import type { Reply } from '../../command/reply.ts'
import { renderTelegramReply } from './renderTelegramReply.ts'
import { escapeHtml } from './splitTelegramMessage.ts'
import { TelegramDeliveryError } from './TelegramDeliveryError.ts'
import { chatIdParam } from './telegramIdentity.ts'
import type { ChatCall, TelegramSender } from './TelegramSender.ts'

/** Telegram's limit on a photo's caption; the HTML is never shorter than the
 *  text Telegram counts, so an HTML caption within it is always accepted. */
export const TELEGRAM_CAPTION_LIMIT = 1024

/** Sends a reply as one or more HTML messages, its buttons under the last.
 *  In a group, `replyTo` threads the answer under the command that asked.
 *  An image Telegram can fetch (not loopback) goes as a photo: the whole
 *  reply as its caption when it fits in one; otherwise (too long, or a live
 *  message, which is edited as text later) the photo first, captioned with
 *  its alt text, then the text messages with the buttons under the last. */
export async function sendReply(
  sender: TelegramSender,
  chatId: string,
  reply: Reply,
  options: { replyTo?: number } = {},
): Promise<(Message.TextMessage | Message.PhotoMessage)[]> {
  const { parts, keyboard } = renderTelegramReply(reply)
  const image = reply.image && !isLoopbackUrl(reply.image.url) ? reply.image : undefined
  if (!image) return (await sender.sendAll(chatId, messageCalls(chatId, parts, keyboard, options.replyTo))) as Message.TextMessage[]
  const captioned = !reply.live && parts.length === 1 && parts[0]!.length <= TELEGRAM_CAPTION_LIMIT
  const caption = captioned ? parts[0]! : escapeHtml(image.alt)
  const photo: ChatCall = {
    method: 'sendPhoto',
    payload: {
      chat_id: chatIdParam(chatId),
      photo: image.url,
      caption,
      parse_mode: 'HTML',
      reply_parameters: options.replyTo !== undefined ? { message_id: options.replyTo, allow_sending_without_reply: true } : undefined,
      reply_markup: captioned ? keyboard : undefined,
    },
  }
  if (captioned) return (await sender.sendAll(chatId, [photo])) as Message.PhotoMessage[]
  const [sentPhoto, ...texts] = await sender.sendAll(chatId, [photo, ...messageCalls(chatId, parts, keyboard)])
  return [sentPhoto, ...texts] as (Message.TextMessage | Message.PhotoMessage)[]
}

/** Replaces the message that held a pressed button with the outcome. The
 *  edit carries no old keyboard, so Telegram removes it and the button
 *  cannot be pressed again; a long outcome continues in new messages. */
export async function editToReply(sender: TelegramSender, chatId: string, messageId: number, reply: Reply): Promise<void> {
  // A text message cannot become a photo: an edit carries the image as a link.
  const { parts, keyboard } = renderTelegramReply(reply, { imageAsLink: true })
  const [first, ...rest] = parts
  try {
    await sender.send(chatId, 'editMessageText', {
      chat_id: chatIdParam(chatId),
      message_id: messageId,
      text: first,
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      reply_markup: rest.length ? undefined : keyboard,
    })
  } catch (error) {
    if (isNotModified(error)) return
    // Too old to edit, or deleted meanwhile: the outcome still has to reach the user.
    if (error instanceof TelegramDeliveryError && error.code === 400 && /message (can't be edited|to edit not found)/i.test(error.description)) {
      await sendReply(sender, chatId, reply)
      return
    }
    throw error
  }
  if (rest.length) await sender.sendAll(chatId, messageCalls(chatId, rest, keyboard))
}

/** Refreshes a live message (a proposal's tally) in place, keyboard included;
 *  only the first part is kept, as live replies are sized to fit one message.
 *  A message that is gone or too old throws a 'rejected' DeliveryError. */
export async function editLiveMessage(sender: TelegramSender, chatId: string, messageId: string, reply: Reply): Promise<void> {
  // The live message is the text sent after the photo; the photo stays as it was.
  const { parts, keyboard } = renderTelegramReply(reply)
  try {
    await sender.send(chatId, 'editMessageText', {
      chat_id: chatIdParam(chatId),
      message_id: Number(messageId),
      text: parts[0],
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      reply_markup: keyboard,
    })
  } catch (error) {
    if (!isNotModified(error)) throw error
  }
}

/** Takes the keyboard off a message and leaves its text as it was. */
export async function removeKeyboard(sender: TelegramSender, chatId: string, messageId: number): Promise<void> {
  try {
    await sender.send(chatId, 'editMessageReplyMarkup', { chat_id: chatIdParam(chatId), message_id: messageId })
  } catch (error) {
    if (!isNotModified(error)) throw error
  }
}

function messageCalls(chatId: string, parts: string[], keyboard: InlineKeyboardMarkup | undefined, replyTo?: number): ChatCall[] {
  return parts.map((text, i) => ({
    method: 'sendMessage',
    payload: {
      chat_id: chatIdParam(chatId),
      text,
      parse_mode: 'HTML',
      // Previews of signing-page links would dwarf the answer.
      link_preview_options: { is_disabled: true },
      reply_parameters: i === 0 && replyTo !== undefined ? { message_id: replyTo, allow_sending_without_reply: true } : undefined,
      reply_markup: i === parts.length - 1 ? keyboard : undefined,
    },
  }))
}

function isNotModified(error: unknown): boolean {
  return error instanceof TelegramDeliveryError && error.code === 400 && /message is not modified/i.test(error.description)
}
