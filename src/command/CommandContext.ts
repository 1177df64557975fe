import type { Logger } from '../app/logger.ts'
import type { Services } from '../app/Services.ts'
import type { CommandInfo } from './CommandInfo.ts'
import type { ChatUser } from '../identity/ChatUser.ts'

export type { ChatUser, Platform } from '../identity/ChatUser.ts'

export interface ChatPlace {
  id: string
  kind: 'private' | 'group'
}

export interface ActionOptions {
  /** How long the button works; default 15 minutes. */
  ttlMs?: number
  /** Spend the button (and those shown with it) on press; default true. */
  once?: boolean
  /** Anyone who sees the button may press it, each press acting for the
   *  presser (vote buttons in groups and channels); implies once: false. */
  anyone?: boolean
}

export interface CommandContext extends Services {
  user: ChatUser
  chat: ChatPlace
  accountId: number
  /** This platform identity (an account may have one per platform). */
  identityId: number
  isAdmin: boolean
  now: number
  logger: Logger
  commands: readonly CommandInfo[]
  /** Registers a server-side button action the current user may press. */
  action(name: string, payload: unknown, options?: ActionOptions): string
}
