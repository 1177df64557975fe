import { stripInvisible } from '../../errors/echoInput.ts'

export interface TelegramCommand {
  /** Lower-cased command name without the slash or @mention. */
  name: string
  /** Everything after the command, trimmed. */
  args: string
  /** The command named our bot explicitly (/help@GridshareBot). */
  mentioned: boolean
}

/** Reads "/cmd args" and "/cmd@BotName args". Returns undefined for text that
 *  is not a command, and for a command addressed to another bot: in a group
 *  with several bots, "/help@OtherBot" is none of our business. */
export function parseTelegramCommand(text: string, botUsername: string | undefined): TelegramCommand | undefined {
  // "/help\u0000" or "/wallet\u202e" still gets an answer rather than silence.
  const match = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+([\s\S]*))?$/.exec(stripInvisible(text).trim())
  if (!match) return undefined
  const mention = match[2]
  if (mention !== undefined && mention.toLowerCase() !== botUsername?.toLowerCase()) return undefined
  return { name: match[1]!.toLowerCase(), args: (match[3] ?? '').trim(), mentioned: mention !== undefined }
}
