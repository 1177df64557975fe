import type { Chat, User } from 'telegraf/types'
import type { ChatPlace, ChatUser } from '../../command/CommandContext.ts'

export function toChatUser(from: User): ChatUser {
  return { platform: 'telegram', id: String(from.id), name: from.username ? `@${from.username}` : from.first_name }
}

export function toChatPlace(chat: Chat): ChatPlace {
  return { id: String(chat.id), kind: chat.type === 'private' ? 'private' : 'group' }
}

/** Bot API chat_id: a number for numeric ids, else an @channelusername. */
export function chatIdParam(chatId: string): number | string {
  return /^-?\d+$/.test(chatId) ? Number(chatId) : chatId
}
