import { createHash } from 'node:crypto'
import { html, type Html } from './html.ts'

// Dark text on light backgrounds: every pair here is above WCAG AA's 4.5:1.
const STYLES = `
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem; color: #1b1f24; background: #fff; }
  h1 { font-size: 1.6rem; margin-bottom: .2rem; overflow-wrap: anywhere; } h2 { font-size: 1.2rem; margin-top: 2rem; }
  a { color: #0645ad; }
  nav ul { display: flex; gap: 1.2rem; list-style: none; padding: 0; margin: 0 0 1rem; border-bottom: 1px solid #d0d7de; padding-bottom: .5rem; }
  .muted { color: #4b5563; }
  table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-variant-numeric: tabular-nums; }
  caption { text-align: left; font-weight: 600; padding: .3rem 0; }
  th, td { padding: .35rem .6rem; border-bottom: 1px solid #d0d7de; text-align: left; }
  td.n, th.n { text-align: right; }
  thead th { background: #f3f5f8; }
  img { max-width: 100%; height: auto; border: 1px solid #d0d7de; }
  dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; } dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
  code, .mono { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
  .totals { display: flex; gap: 2rem; flex-wrap: wrap; padding: 0; list-style: none; } .totals strong { font-size: 1.4rem; display: block; }
  progress { width: 30rem; max-width: 100%; height: 1.2rem; }
  .body { border-left: 3px solid #d0d7de; padding-left: 1rem; overflow-wrap: anywhere; }
  form { margin: .5rem 0; } input { font: inherit; width: 30rem; max-width: 100%; padding: .2rem .4rem; color: #1b1f24; background: #fff; border: 1px solid #4b5563; }
  button { font: inherit; padding: .2rem .8rem; color: #fff; background: #0645ad; border: 0; }
`
const STYLE_HASH = createHash('sha256').update(STYLES).digest('base64')

/** Only the shared style runs, no scripts, images from this server; forms submit to `formAction`. */
const policy = (formAction: string) =>
  ["default-src 'none'", "img-src 'self'", `style-src 'sha256-${STYLE_HASH}'`, "base-uri 'none'", `form-action ${formAction}`, "frame-ancestors 'none'"].join('; ')

/** The public pages' policy: forms (the proof lookup) submit only here. */
export const PUBLIC_PAGE_CSP = policy("'self'")
/** `/` has no form: nothing may be submitted from it. */
export const NETWORK_PAGE_CSP = policy("'none'")

const NAV: [href: string, label: string][] = [
  ['/', 'Network'],
  ['/proposals', 'Proposals'],
  ['/epochs', 'Epochs'],
]

/** The links between the public pages, on every one of them. */
export function siteNav(): string {
  return `<nav aria-label="Site"><ul>${NAV.map(([href, label]) => html`<li><a href="${href}">${label}</a></li>`).join('')}</ul></nav>`
}

/** A whole public page: the shared style, the site navigation and `main`. */
export function publicPage(title: string, body: Html): string {
  return pageDocument(`${title} · Gridshare`, body)
}

/** The HTML document every page is: the shared style (hashed into the CSPs above), the site navigation and `main`. */
export function pageDocument(title: string, body: Html | string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${html`<title>${title}</title>`}
<style>${STYLES}</style>
</head>
<body>
${siteNav()}
<main>
${body}
</main>
</body>
</html>`
}

/** The page for an unknown id (404) or a malformed one (400): the one sentence and a way back. */
export function problemPage(title: string, sentence: string): string {
  return publicPage(title, html`<h1>${title}</h1>\n<p>${sentence}</p>`)
}
