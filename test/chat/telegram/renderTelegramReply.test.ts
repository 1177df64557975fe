import { describe, expect, test } from 'vitest'
import { renderTelegramReply } from '../../../src/chat/telegram/renderTelegramReply.ts'
import { chunkPlain, splitTelegramMessage } from '../../../src/chat/telegram/splitTelegramMessage.ts'
import { parseTelegramHtml } from './parseTelegramHtml.ts'

/** Every part must stand alone: within the limit and accepted by Telegram's parser. */
function expectWellFormed(parts: string[], limit = 4096): string[] {
  for (const part of parts) {
    expect(part.length).toBeLessThanOrEqual(limit)
    expect(() => parseTelegramHtml(part)).not.toThrow()
  }
  return parts.map((part) => parseTelegramHtml(part).text)
}

describe('renderTelegramReply', () => {
  test('title in bold, fields as "<b>name</b>: value", tables and code in <pre>', () => {
    const { parts } = renderTelegramReply({
      title: 'Quote q7',
      text: 'Ready to rent.',
      fields: [
        { name: 'GPUs', value: '2 × H100-80GB' },
        { name: 'Notes', value: 'line one\nline two' },
      ],
      table: { columns: ['region', 'price'], rows: [['eu-west', '2.40'], ['us-east', '2.10']] },
      code: 'gridshare.example wants you to sign in',
    })
    expect(parts).toEqual([
      [
        '<b>Quote q7</b>',
        'Ready to rent.',
        '',
        '<b>GPUs</b>: 2 × H100-80GB',
        // A value of several lines starts under its name.
        '<b>Notes</b>:',
        'line one',
        'line two',
        '<pre>region   price',
        'eu-west  2.40',
        'us-east  2.10</pre>',
        '<pre>gridshare.example wants you to sign in</pre>',
      ].join('\n'),
    ])
    expectWellFormed(parts)
  })

  test('every user-supplied string is escaped', () => {
    const evil = '<b>x</b> & <a href="javascript:alert(1)">y</a>'
    const { parts, keyboard } = renderTelegramReply({
      title: evil,
      text: evil,
      fields: [{ name: evil, value: evil }],
      table: { columns: [evil], rows: [[evil]] },
      code: evil,
      buttons: [{ label: evil, action: 'a1' }],
    })
    const [text] = expectWellFormed(parts)
    expect(parseTelegramHtml(parts[0]!).entities.map((e) => e.type)).toEqual(['bold', 'bold', 'pre', 'pre'])
    expect(text!.split(evil).length - 1).toBe(7)
    expect(parts[0]).not.toMatch(/<(?!\/?(b|pre)>)/)
    // Keyboard labels are plain text to Telegram: nothing to escape.
    expect(keyboard).toEqual({ inline_keyboard: [[{ text: evil, callback_data: 'a1' }]] })
  })

  test('& < and > are escaped in every field: title, text, field names and values, links, tables, code', () => {
    const raw = (where: string) => `${where} a&b <c> d>e`
    // Written out by hand: & → &amp;, < → &lt;, > → &gt;, and nothing else changed.
    const escaped = (where: string) => `${where} a&amp;b &lt;c&gt; d&gt;e`
    const { parts } = renderTelegramReply({
      title: raw('title'),
      text: raw('text'),
      fields: [{ name: raw('name'), value: `${raw('value')}\n${raw('more')}` }],
      table: { columns: [raw('col')], rows: [[raw('cell')]] },
      code: raw('code'),
      // Not a URL Telegram takes on a button, so it is shown in the text.
      buttons: [{ label: raw('label'), url: 'ftp://x/?a=1&b=<2>' }],
    })
    expect(parts).toEqual([
      [
        `<b>${escaped('title')}</b>`,
        escaped('text'),
        '',
        `<b>${escaped('name')}</b>:`,
        escaped('value'),
        escaped('more'),
        `${escaped('label')}: ftp://x/?a=1&amp;b=&lt;2&gt;`,
        `<pre>${escaped('col')}`,
        `${escaped('cell')}</pre>`,
        `<pre>${escaped('code')}</pre>`,
      ].join('\n'),
    ])
    expect(expectWellFormed(parts)[0]).toContain(raw('value'))
  })

  test('buttons: action ids as callback data, links as URL buttons, short labels share rows', () => {
    const { keyboard, parts } = renderTelegramReply({
      text: 'Vote on p12',
      buttons: [
        { label: 'For', action: 'a1' },
        { label: 'Against', action: 'a2' },
        { label: 'Abstain', action: 'a3' },
        { label: 'Read the full proposal on the forum', url: 'https://forum.gridshare.example/p12' },
        { label: 'Sign', url: 'http://localhost:8787/sign/abc' },
      ],
    })
    expect(keyboard).toEqual({
      inline_keyboard: [
        [
          { text: 'For', callback_data: 'a1' },
          { text: 'Against', callback_data: 'a2' },
          { text: 'Abstain', callback_data: 'a3' },
        ],
        [{ text: 'Read the full proposal on the forum', url: 'https://forum.gridshare.example/p12' }],
      ],
    })
    // Telegram refuses URL buttons to localhost; such a link goes in the text instead.
    expect(parts).toEqual(['Vote on p12\n\nSign: http://localhost:8787/sign/abc'])
  })

  test('a reply with nothing to show still renders a line', () => {
    expect(renderTelegramReply({ buttons: [{ label: 'OK', action: 'a1' }] }).parts).toEqual(['Done.'])
  })

  test('a long text is split between lines, the keyboard under the last part', () => {
    const lines = Array.from({ length: 500 }, (_, i) => `line ${i}: ${'x'.repeat(20)} & <more>`)
    const { parts, keyboard } = renderTelegramReply({ title: 'Log', text: lines.join('\n'), buttons: [{ label: 'Again', action: 'a1' }] })
    expect(parts.length).toBeGreaterThan(3)
    const texts = expectWellFormed(parts)
    expect(texts.join('\n')).toBe(['Log', ...lines].join('\n'))
    expect(keyboard).toBeDefined()
  })

  test('a single oversized <pre> becomes several closed <pre> blocks', () => {
    const code = Array.from({ length: 800 }, (_, i) => `0x${i.toString(16).padStart(4, '0')} ${'ab'.repeat(10)}`).join('\n')
    const { parts } = renderTelegramReply({ code })
    expect(parts.length).toBeGreaterThan(1)
    for (const part of parts) expect(part).toMatch(/^<pre>[^<]*<\/pre>$/)
    expect(expectWellFormed(parts).join('\n')).toBe(code)
  })

  test('a line longer than a message is cut, preferring whitespace, never inside an escape or a surrogate pair', () => {
    const words = Array.from({ length: 2000 }, (_, i) => `w${i}&`).join(' ')
    const parts = renderTelegramReply({ text: words }).parts
    expect(expectWellFormed(parts).join('')).toBe(words)
    for (const part of parts.slice(0, -1)) expect(part.endsWith(' ')).toBe(true)

    const emoji = '🚀'.repeat(5000)
    const emojiParts = renderTelegramReply({ title: emoji }).parts
    const texts = expectWellFormed(emojiParts)
    expect(texts.join('')).toBe(emoji)
    for (const text of texts) expect(text).toMatch(/^(🚀)+$/)
    for (const part of emojiParts) expect(part).toMatch(/^<b>(🚀)+<\/b>$/)
  })

  test('escaping is counted: text of & and < fits once escaped', () => {
    const text = '&<'.repeat(3000)
    const parts = renderTelegramReply({ text }).parts
    expect(expectWellFormed(parts).join('')).toBe(text)
  })
})

describe('splitTelegramMessage', () => {
  test('closes a <pre> cut between messages and reopens it in the next, with a small limit', () => {
    const parts = splitTelegramMessage(
      [
        { kind: 'lines', lines: [[{ text: 'Table', bold: true }]] },
        { kind: 'pre', text: 'aaaa\nbbbb\ncccc\ndddd', gap: '\n' },
        { kind: 'lines', lines: [[{ text: 'after' }]] },
      ],
      30,
    )
    expect(parts).toEqual(['<b>Table</b>\n<pre>aaaa</pre>', '<pre>bbbb\ncccc\ndddd</pre>', 'after'])
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(30)
  })

  test('chunkPlain cuts by escaped length', () => {
    expect(chunkPlain('a&b&c', 6)).toEqual(['a&', 'b&', 'c'])
    expect(chunkPlain('hello world again', 12)).toEqual(['hello world ', 'again'])
  })
})

describe('renderTelegramReply: images', () => {
  const reply = (url: string) => ({ title: 'GPUs', text: 'a & b', image: { url, alt: 'chart' } })

  test('an image Telegram can fetch is left to sendPhoto: the text does not mention it', () => {
    expect(renderTelegramReply(reply('https://grid.example.org/charts/availability.png?days=7')).parts).toEqual(['<b>GPUs</b>\na &amp; b'])
  })

  test('a loopback image, or any image in an edit, is a "Chart:" line', () => {
    expect(renderTelegramReply(reply('http://127.0.0.1:8787/charts/availability.png?a=1&days=7')).parts).toEqual([
      '<b>GPUs</b>\na &amp; b\n\nChart: http://127.0.0.1:8787/charts/availability.png?a=1&amp;days=7',
    ])
    expect(renderTelegramReply(reply('https://grid.example.org/c.png'), { imageAsLink: true }).parts).toEqual(['<b>GPUs</b>\na &amp; b\n\nChart: https://grid.example.org/c.png'])
  })
})
