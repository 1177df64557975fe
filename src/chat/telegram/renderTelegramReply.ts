import type { InlineKeyboardMarkup } from 'telegraf/types'
import { isLoopbackUrl } from '../../command/isLoopbackUrl.ts'
import { formatTable } from '../../command/renderPlainText.ts'
import { isActionButton, type LinkButton, type Reply } from '../../command/reply.ts'
import { inlineKeyboard, isButtonUrl } from './inlineKeyboard.ts'
import { splitTelegramMessage, type Block, type Segment } from './splitTelegramMessage.ts'

export interface TelegramMessageParts {
  /** Telegram HTML, each part at most 4,096 characters and well-formed alone. */
  parts: string[]
  /** Goes on the last part, so the buttons sit under the whole answer. */
  keyboard?: InlineKeyboardMarkup
}

/** Renders a platform-neutral reply as Telegram HTML. Every string in a reply
 *  may hold user input, so all of it is escaped; markup comes only from here:
 *  the title in bold, fields as "<b>name</b>: value", tables and code in <pre>.
 *  An image goes as a "Chart: <url>" line when Telegram could not fetch it
 *  (a loopback URL) or when `imageAsLink` says no photo will be sent (an edit);
 *  otherwise sendReply sends it as a photo and the text leaves it out. */
export function renderTelegramReply(reply: Reply, { imageAsLink = false }: { imageAsLink?: boolean } = {}): TelegramMessageParts {
  const buttons = reply.buttons ?? []
  const onKeyboard = buttons.filter((b) => isActionButton(b) || isButtonUrl(b.url))
  const inText = buttons.filter((b): b is LinkButton => !onKeyboard.includes(b))
  const blocks: Block[] = []
  const text = linesOf(reply.text)
  if (text.length) blocks.push({ kind: 'lines', lines: text })
  const fields = (reply.fields ?? []).flatMap(({ name, value }) => {
    const lines = value.split('\n')
    // A value of several lines (a tally, a proof) starts under its name, not on the name's line.
    if (lines.length > 1) return [[{ text: name, bold: true }, { text: ':' }], ...lines.map((line) => [{ text: line }])]
    return [[{ text: name, bold: true }, { text: `: ${value}` }]]
  })
  const imageLink = reply.image && (imageAsLink || isLoopbackUrl(reply.image.url)) ? [{ label: 'Chart', url: reply.image.url }] : []
  const links = [...inText, ...imageLink].map(({ label, url }) => [{ text: `${label}: ${url}` }])
  if (fields.length || links.length) blocks.push({ kind: 'lines', lines: [...fields, ...links] })
  // A <pre> is set apart by the client already; a blank line above it would only add space.
  if (reply.table) blocks.push({ kind: 'pre', text: formatTable(reply.table.columns, reply.table.rows), gap: '\n' })
  if (reply.code) blocks.push({ kind: 'pre', text: reply.code, gap: '\n' })
  // The title heads whatever comes first, on the line above it.
  if (reply.title) {
    const first = blocks[0]
    if (first?.kind === 'lines') first.lines.unshift(...linesOf(reply.title, true))
    else {
      if (first) first.gap = '\n'
      blocks.unshift({ kind: 'lines', lines: linesOf(reply.title, true) })
    }
  }
  const parts = splitTelegramMessage(blocks)
  // Telegram refuses an empty message; a reply of only buttons still needs a line.
  if (parts.length === 0) parts.push('Done.')
  return { parts, keyboard: inlineKeyboard(onKeyboard) }
}

function linesOf(text: string | undefined, bold = false): Segment[][] {
  if (!text) return []
  return text.split('\n').map((line) => [{ text: line, bold: bold && line !== '' }])
}
