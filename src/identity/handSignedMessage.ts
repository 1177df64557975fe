/** A message to sign by hand, framed so people (and scripts) copy exactly the
 *  text between the lines: the signature covers every character, and a stray
 *  newline or a line of instructions after it makes /verify refuse it. */
export const BEGIN_MESSAGE = '-----BEGIN MESSAGE-----'
export const END_MESSAGE = '-----END MESSAGE-----'

export function frameMessage(message: string): string {
  return `${BEGIN_MESSAGE}\n${message}\n${END_MESSAGE}`
}

/** How to sign the framed message by hand, for /link and /unfreeze alike; `extra` goes before the page link. */
export function handSigningInstructions({ address, minutes, url, extra = '' }: { address: string | null; minutes: number; url: string; extra?: string }): string {
  return `Sign the text between the BEGIN and END lines with ${address} (personal_sign): exactly those lines, without the BEGIN and END lines and with no newline after the last one. Then send /verify <signature>. Valid ${minutes} minutes. ${extra}${extra ? ' ' : ''}Or sign on the page: ${url}`
}

/** The text between the frame lines (CRLF copies accepted), or, with no
 *  frame, the text without the one newline an editor or `echo` adds at the end. */
export function messageBetweenFrames(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n')
  const begin = lines.findIndex((line) => line.trim() === BEGIN_MESSAGE)
  const end = lines.findIndex((line, i) => i > begin && line.trim() === END_MESSAGE)
  if (begin >= 0 && end > begin) return lines.slice(begin + 1, end).join('\n')
  return text.replace(/\r?\n$/, '')
}
