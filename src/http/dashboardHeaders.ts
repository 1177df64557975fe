import type { Context } from 'hono'

// A chart opened on its own (an SVG is a document): nothing runs in it either.
const CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'"

/** A public page: its policy, never sniffed, revalidated on each visit. */
export function setPageHeaders(c: Context, csp: string): void {
  c.header('Content-Security-Policy', csp)
  c.header('X-Content-Type-Options', 'nosniff')
  c.header('Cache-Control', 'no-cache')
}

/** A chart image: results move with each snapshot, vote and payout, so browsers may keep one for a minute. */
export function setChartHeaders(c: Context, contentType: string): void {
  c.header('Content-Type', contentType)
  c.header('Content-Security-Policy', CHART_CSP)
  c.header('X-Content-Type-Options', 'nosniff')
  c.header('Cache-Control', 'public, max-age=60')
}
