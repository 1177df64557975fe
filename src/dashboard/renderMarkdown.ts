import { Marked, type Tokens } from 'marked'
import { escapeHtml, Html } from './html.ts'

/** A proposal body is written by anyone who may propose: its raw HTML is shown
 *  as text, links go only to http(s) and carry no referrer trust, images are
 *  their alt text (the page loads nothing from elsewhere). */
const markdown = new Marked({
  async: false,
  gfm: true,
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag): string {
      return 'block' in token && token.block ? `<p>${escapeHtml(token.text)}</p>\n` : escapeHtml(token.text)
    },
    link({ href, title, tokens }: Tokens.Link): string {
      const text = this.parser.parseInline(tokens)
      if (!/^https?:\/\/\S+$/i.test(href)) return text
      return `<a href="${escapeHtml(href)}" rel="nofollow noopener noreferrer"${title ? ` title="${escapeHtml(title)}"` : ''}>${text}</a>`
    },
    // The page has its own h1 and h2: the body's headings sit below them.
    heading({ tokens, depth }: Tokens.Heading): string {
      const level = Math.min(6, depth + 2)
      return `<h${level}>${this.parser.parseInline(tokens)}</h${level}>\n`
    },
    image({ text }: Tokens.Image): string {
      return escapeHtml(text)
    },
  },
})

/** Markdown → HTML that can hold no script, no event handler and no foreign resource. */
export function renderMarkdown(source: string): Html {
  return new Html(markdown.parse(source) as string)
}
