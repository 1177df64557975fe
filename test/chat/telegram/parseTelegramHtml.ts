import type { MessageEntity } from 'telegraf/types'

/** Telegram's HTML parse mode, as strict as Telegram where it matters: only
 *  its tags, every tag closed, no misnesting, `<` always part of a tag.
 *  Errors read like Telegram's ("Unsupported start tag "x" at byte offset 3"). */
export class HtmlParseError extends Error {}

const ENTITY_OF_TAG: Record<string, MessageEntity['type']> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  code: 'code',
  pre: 'pre',
  a: 'text_link',
  'tg-spoiler': 'spoiler',
  span: 'spoiler',
  blockquote: 'blockquote',
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' }
const START_TAG = /<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z][a-zA-Z0-9-]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*>/y
const ATTRIBUTE = /([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g
const ENTITY = /&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);/y

export function parseTelegramHtml(html: string): { text: string; entities: MessageEntity[] } {
  let text = ''
  const entities: MessageEntity[] = []
  const open: { tag: string; offset: number; url?: string; order: number }[] = []
  const order = new Map<MessageEntity, number>()
  const at = (index: number) => Buffer.byteLength(html.slice(0, index))
  let i = 0
  while (i < html.length) {
    const c = html[i]!
    if (c === '<' && html[i + 1] === '/') {
      const end = html.indexOf('>', i)
      if (end < 0) throw new HtmlParseError(`Unclosed end tag at byte offset ${at(i)}`)
      const tag = html.slice(i + 2, end).trim().toLowerCase()
      const start = open.pop()
      if (!start) throw new HtmlParseError(`Unexpected end tag at byte offset ${at(i)}`)
      if (start.tag !== tag) throw new HtmlParseError(`Unmatched end tag at byte offset ${at(i)}, expected "</${start.tag}>", found "</${tag}>"`)
      if (text.length > start.offset) {
        const entity = { type: ENTITY_OF_TAG[tag]!, offset: start.offset, length: text.length - start.offset }
        const full = (start.url ? { ...entity, url: start.url } : entity) as MessageEntity
        order.set(full, start.order)
        entities.push(full)
      }
      i = end + 1
      continue
    }
    if (c === '<') {
      START_TAG.lastIndex = i
      const match = START_TAG.exec(html)
      const tag = match?.[1]!.toLowerCase() ?? /^<([^\s>]*)/.exec(html.slice(i, i + 40))![1]!
      if (!match || !(tag in ENTITY_OF_TAG)) throw new HtmlParseError(`Unsupported start tag "${tag}" at byte offset ${at(i)}`)
      const attributes = Object.fromEntries([...match[2]!.matchAll(ATTRIBUTE)].map((m) => [m[1]!.toLowerCase(), m[2] ?? m[3] ?? m[4] ?? '']))
      if (tag === 'span' && attributes.class !== 'tg-spoiler') throw new HtmlParseError(`Tag "span" must have class "tg-spoiler" at byte offset ${at(i)}`)
      if (open.some((o) => o.tag === 'code' || (o.tag === 'pre' && tag !== 'code')))
        throw new HtmlParseError(`Entity "${tag}" can't be nested in a code entity at byte offset ${at(i)}`)
      open.push({ tag, offset: text.length, url: tag === 'a' ? attributes.href : undefined, order: order.size + open.length })
      i = START_TAG.lastIndex
      continue
    }
    if (c === '&') {
      ENTITY.lastIndex = i
      const match = ENTITY.exec(html)
      const name = match?.[1]
      const decoded = name === undefined ? undefined : name.startsWith('#') ? decodeNumeric(name) : NAMED[name.toLowerCase()]
      if (match && decoded !== undefined) {
        text += decoded
        i = ENTITY.lastIndex
        continue
      }
    }
    text += c
    i++
  }
  const unclosed = open.pop()
  if (unclosed) throw new HtmlParseError(`Can't find end tag corresponding to start tag "${unclosed.tag}"`)
  // Telegram lists entities by where they start, an outer one before the one it holds.
  return { text, entities: entities.sort((a, b) => a.offset - b.offset || order.get(a)! - order.get(b)!) }
}

function decodeNumeric(name: string): string | undefined {
  const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10)
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined
}
