import { Marked, type Tokens } from 'marked'
import { escapeHtml, Html } from './html.ts'

/** A proposal body is written by anyone who may propose: its raw HTML is shown
 *  as text, links go only to http(s) and carry no referrer trust, images are
 *  their alt text (the page loads nothing from elsewhere). */
const markdown = new Marked({
  async: false,
  gfm: true,
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text)
    },
    link({ href, title, tokens }: Tokens.Link): string {
      const text = this.parser.parseInline(tokens)
      if (!/^https?:\/\/[^\s"'<>]+$/i.test(href)) return text
      return `<a href="${escapeHtml(href)}" rel="nofollow noopener noreferrer"${title ? ` title="${escapeHtml(title)}"` : ''}>${text}</a>`
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
