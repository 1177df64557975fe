/** A message to sign by hand, framed so people (and scripts) copy exactly the
 *  text between the lines: the signature covers every character, and a stray
 *  newline or a line of instructions after it makes /verify refuse it. */
export const BEGIN_MESSAGE = '-----BEGIN MESSAGE-----'
export const END_MESSAGE = '-----END MESSAGE-----'

export function frameMessage(message: string): string {
  return `${BEGIN_MESSAGE}\n${message}\n${END_MESSAGE}`
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
