import { describe, expect, test } from 'vitest'
import { renderMarkdown } from '../../src/dashboard/renderMarkdown.ts'

const render = (source: string) => renderMarkdown(source).text

describe('renderMarkdown', () => {
  test('formatting, lists and code render; headings sit below the page headings', () => {
    expect(render('# Why\n\n- **one**\n- `two<>`\n\n> quoted')).toBe('<h3>Why</h3>\n<ul>\n<li><strong>one</strong></li>\n<li><code>two&lt;&gt;</code></li>\n</ul>\n<blockquote>\n<p>quoted</p>\n</blockquote>\n')
  })

  test('http(s) links keep their target with rel nofollow noopener noreferrer; bare URLs too', () => {
    expect(render('[plan](https://example.org/a?b=1&c="2") and http://x.example')).toBe(
      '<p><a href="https://example.org/a?b=1&amp;c=&quot;2&quot;" rel="nofollow noopener noreferrer">plan</a> and <a href="http://x.example" rel="nofollow noopener noreferrer">http://x.example</a></p>\n',
    )
  })

  test.each([
    ['[a](javascript:alert(1))', '<p>a</p>\n'],
    ['[a](JaVaScRiPt:alert(1))', '<p>a</p>\n'],
    ['[a](&#106;avascript:alert(1))', '<p>a</p>\n'],
    ['[a]( javascript:alert(1))', '<p>a</p>\n'],
    ['[a](data:text/html,<script>alert(1)</script>)', '<p>a</p>\n'],
    ['[a](vbscript:msgbox)', '<p>a</p>\n'],
    ['[a](//evil.example/x)', '<p>a</p>\n'],
    ['![x" onerror="alert(1)](https://evil.example/i.png)', '<p>x&quot; onerror=&quot;alert(1)</p>\n'],
    ['<script>alert(1)</script>', '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n'],
    ['text <img src=x onerror=alert(1)> more', '<p>text &lt;img src=x onerror=alert(1)&gt; more</p>\n'],
    ['<a href="javascript:alert(1)">x</a>', '<p>&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;</p>\n'],
    ['<iframe src="https://evil.example"></iframe>', '<p>&lt;iframe src=&quot;https://evil.example&quot;&gt;&lt;/iframe&gt;</p>\n'],
  ])('attack: %s renders without markup that runs or loads', (source, expected) => {
    expect(render(source)).toBe(expected)
  })
})
