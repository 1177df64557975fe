/** Control characters (except tab and line breaks), bidi overrides and
 *  invisible marks: they hide or reorder what a message shows, and chat
 *  platforms drop or garble them. Joiners (U+200C, U+200D) stay for emoji. */
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B\u200E\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g

/** The text without characters that hide or reorder what it shows. */
export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, '')
}

/** Longest piece of user input an answer repeats back: the answer must stay
 *  within every platform's message limit whatever was typed. */
export const ECHO_LIMIT = 60

/** User input as an error message may repeat it: on one line, without
 *  invisible characters, at most `max` characters with "…" where cut. */
export function echoInput(text: string, max = ECHO_LIMIT): string {
  const flat = stripInvisible(text).replace(/\s+/g, ' ').trim()
  const chars = Array.from(flat)
  return chars.length > max ? chars.slice(0, max - 1).join('') + '…' : flat
}
