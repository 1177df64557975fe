/** Telegram's cap on one message's text. We hold the HTML source to it, which
 *  is stricter than Telegram (it counts the text left after parsing tags). */
export const TELEGRAM_TEXT_LIMIT = 4096

/** Plain text, escaped only when rendered, so lengths and cuts are exact. */
export interface Segment {
  text: string
  bold?: boolean
}

/** Lines of inline text, or one monospace <pre> block. `gap` is what
 *  separates it from the block before: a blank line unless said otherwise. */
export type Block = ({ kind: 'lines'; lines: Segment[][] } | { kind: 'pre'; text: string }) & { gap?: '\n' | '\n\n' }

export function escapeHtml(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'))
}

/** A unit that is never cut: a whole line, or one chunk of an oversized line.
 *  `pre` names the <pre> block it belongs to; `sep` joins it to the piece before. */
interface Piece {
  html: string
  pre?: number
  sep: string
}

const PRE_OPEN = '<pre>'
const PRE_CLOSE = '</pre>'

/** Packs blocks into as few messages as fit `limit`, cutting only between
 *  lines (or, for a line longer than a message, between chunks of it). A <pre>
 *  cut in two is closed in one message and reopened in the next, so every
 *  message is well-formed HTML on its own. */
export function splitTelegramMessage(blocks: readonly Block[], limit = TELEGRAM_TEXT_LIMIT): string[] {
  const parts: string[] = []
  let body = ''
  let openPre: number | undefined
  let visible = false
  const flush = () => {
    if (visible) parts.push(openPre === undefined ? body : body + PRE_CLOSE)
    body = ''
    openPre = undefined
    visible = false
  }
  for (const piece of toPieces(blocks, limit - PRE_OPEN.length - PRE_CLOSE.length)) {
    const fresh = (piece.pre === undefined ? '' : PRE_OPEN) + piece.html
    let add: string
    if (body === '') {
      // Leading blank lines would only pad the message (and Telegram trims them).
      if (piece.pre === undefined && piece.html.trim() === '') continue
      add = fresh
    } else if (piece.pre !== undefined && piece.pre === openPre) {
      add = piece.sep + piece.html
    } else {
      add = (openPre === undefined ? '' : PRE_CLOSE) + piece.sep + fresh
    }
    const closing = piece.pre === undefined ? 0 : PRE_CLOSE.length
    if (body !== '' && body.length + add.length + closing > limit) {
      flush()
      if (piece.pre === undefined && piece.html.trim() === '') continue
      add = fresh
    }
    body += add
    openPre = piece.pre
    if (piece.html.trim() !== '') visible = true
  }
  flush()
  return parts
}

function toPieces(blocks: readonly Block[], maxPiece: number): Piece[] {
  const pieces: Piece[] = []
  for (const [index, block] of blocks.entries()) {
    const blockSep = index === 0 ? '' : (block.gap ?? '\n\n')
    if (block.kind === 'pre') {
      for (const [n, line] of block.text.split('\n').entries()) {
        for (const [c, chunk] of chunkPlain(line, maxPiece).entries()) {
          pieces.push({ html: escapeHtml(chunk), pre: index, sep: c > 0 ? '' : n === 0 ? blockSep : '\n' })
        }
      }
      continue
    }
    for (const [n, line] of block.lines.entries()) {
      const sep = n === 0 ? blockSep : '\n'
      const html = line.map(renderSegment).join('')
      if (html.length <= maxPiece) {
        pieces.push({ html, sep })
        continue
      }
      let first = true
      for (const segment of line) {
        // '<b></b>' wraps every chunk of a bold segment.
        for (const chunk of chunkPlain(segment.text, maxPiece - 7)) {
          pieces.push({ html: renderSegment({ ...segment, text: chunk }), sep: first ? sep : '' })
          first = false
        }
      }
    }
  }
  return pieces
}

function renderSegment(segment: Segment): string {
  return segment.bold ? `<b>${escapeHtml(segment.text)}</b>` : escapeHtml(segment.text)
}

/** Cuts plain text into chunks whose escaped length fits `max`, preferring a
 *  cut after whitespace in the chunk's second half and never splitting a
 *  surrogate pair (Telegram counts UTF-16 units, as JS strings do). */
export function chunkPlain(text: string, max: number): string[] {
  if (escapedLength(text) <= max) return [text]
  const chunks: string[] = []
  let start = 0
  let length = 0
  let cutAfterSpace = -1
  let lengthAtCut = 0
  for (let i = 0; i < text.length; ) {
    const width = text.codePointAt(i)! > 0xffff ? 2 : 1
    const cost = escapedLength(text.slice(i, i + width))
    if (length + cost > max) {
      const useSpace = cutAfterSpace > start && lengthAtCut >= max / 2
      const cut = useSpace ? cutAfterSpace : i
      chunks.push(text.slice(start, cut))
      length = useSpace ? length - lengthAtCut : 0
      start = cut
      cutAfterSpace = -1
    }
    length += cost
    i += width
    if (/\s/.test(text[i - 1]!)) {
      cutAfterSpace = i
      lengthAtCut = length
    }
  }
  if (start < text.length) chunks.push(text.slice(start))
  return chunks
}

function escapedLength(text: string): number {
  let n = text.length
  for (const c of text) n += c === '&' ? 4 : c === '<' || c === '>' ? 3 : 0
  return n
}
