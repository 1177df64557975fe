import type { OptionDefinitions } from './options.ts'

/** What a command is called, takes and promises: everything but its handler,
 *  so help, usage and parsing need no command context. */
export interface CommandInfo<O extends OptionDefinitions = OptionDefinitions> {
  /** ^[a-z0-9_]{1,32}$, valid on Discord and Telegram. */
  name: string
  /** One line, at most 100 characters (Discord's cap). */
  description: string
  options: O
  /** Answers hold private data: ephemeral on Discord, private chat on Telegram. */
  private?: boolean
  adminOnly?: boolean
  /** May take long enough that platforms with deadlines (Discord) acknowledge first. */
  slow?: boolean
  examples?: string[]
}
