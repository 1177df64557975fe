export const DISCORD_CONTENT_LIMIT = 2000

const FENCE = '```'

/** Splits rendered content into messages of at most `limit` characters, at
 *  line breaks where it can. A code block cut in two is closed at the end of
 *  one message and reopened at the start of the next, so it still renders. */
export function splitDiscordContent(text: string, limit = DISCORD_CONTENT_LIMIT): string[] {
  if (text.length <= limit) return [text]
  const chunks: string[] = []
  let current = ''
  let inCode = false
  // Room for a closing fence plus the reopening one in the next message.
  const lineLimit = limit - 2 * (FENCE.length + 1)
  for (const fullLine of text.split('\n')) {
    for (const line of wrapLine(fullLine, lineLimit)) {
      const candidate = current === '' ? line : `${current}\n${line}`
      // A closing fence ends the block itself; any other line in a block needs room for one.
      const closing = inCode && !line.startsWith(FENCE) ? FENCE.length + 1 : 0
      if (current !== '' && candidate.length + closing > limit) {
        chunks.push(inCode ? `${current}\n${FENCE}` : current)
        current = inCode ? `${FENCE}\n${line}` : line
      } else {
        current = candidate
      }
      // Only the renderer writes lines starting with a fence: user text has its backticks escaped.
      if (line.startsWith(FENCE)) inCode = !inCode
    }
  }
  if (current !== '') chunks.push(current)
  return chunks
}

function wrapLine(line: string, width: number): string[] {
  if (line.length <= width) return [line]
  const pieces: string[] = []
  let rest = line
  while (rest.length > width) {
    let cut = width
    // Never separate an escape from the character it escapes, nor a surrogate pair.
    while (cut > 1 && (rest[cut - 1] === '\\' || isHighSurrogate(rest.charCodeAt(cut - 1)))) cut--
    pieces.push(rest.slice(0, cut))
    rest = rest.slice(cut)
  }
  pieces.push(rest)
  return pieces
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}
