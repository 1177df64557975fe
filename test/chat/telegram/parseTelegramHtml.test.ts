import { expect, test } from 'vitest'
import { parseTelegramHtml } from './parseTelegramHtml.ts'

/** The local server's HTML check must be as strict as Telegram's, or the adapter tests prove nothing. */
test('accepts Telegram tags and entities and reports what the user sees', () => {
  expect(parseTelegramHtml('<b>Hi</b> &lt;you&gt; &amp; <a href="https://x.org">link</a> <pre><code>1 &#60; 2</code></pre>')).toEqual({
    text: 'Hi <you> & link 1 < 2',
    entities: [
      { type: 'bold', offset: 0, length: 2 },
      { type: 'text_link', offset: 11, length: 4, url: 'https://x.org' },
      { type: 'pre', offset: 16, length: 5 },
      { type: 'code', offset: 16, length: 5 },
    ],
  })
})

test.each([
  ['<script>x</script>', 'Unsupported start tag "script" at byte offset 0'],
  ['a < b', 'Unsupported start tag "" at byte offset 2'],
  ['<b>bold', `Can't find end tag corresponding to start tag "b"`],
  ['<b><i>x</b></i>', 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'],
  ['x</b>', 'Unexpected end tag at byte offset 1'],
  ['<pre><b>x</b></pre>', `Entity "b" can't be nested in a code entity at byte offset 5`],
])('error: %j', (html, message) => {
  expect(() => parseTelegramHtml(html)).toThrow(message)
})
