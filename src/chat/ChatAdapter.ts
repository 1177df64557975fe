import type { Platform } from '../identity/ChatUser.ts'
import type { Reply } from '../command/reply.ts'

/** What the notifier needs from a chat platform. Sends throw DeliveryError. */
export interface ChatAdapter {
  readonly platform: Platform
  start(): Promise<void>
  stop(): Promise<void>
  /** Delivers to the user's private chat (Telegram) or DM (Discord). */
  sendPrivate(userId: string, reply: Reply): Promise<void>
  /** Delivers to an announcement channel or group. */
  sendToChannel(channelId: string, reply: Reply): Promise<void>
}
