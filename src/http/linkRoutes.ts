import { Hono } from 'hono'
import { z } from 'zod'
import type { WalletLinking } from '../identity/WalletLinking.ts'
import { HttpError } from './HttpError.ts'
import { linkPageHtml } from './linkPage.ts'

const postBody = z.object({
  signature: z.string().max(20_000),
  address: z.string().max(100).optional(),
  message: z.string().max(4_000).optional(),
})

/** The wallet-signing page and the JSON API it is a thin client of. */
export function linkRoutes({ linking }: { linking: WalletLinking }): Hono {
  const app = new Hono()
  app.get('/link/:token', (c) => c.html(linkPageHtml()))
  app.get('/api/v1/link/:token', (c) => {
    const view = linking.describeChallenge(c.req.param('token'), c.req.query('address'))
    return c.json({ message: view.message, identity: view.identity, address: view.address, expiresAt: new Date(view.expiresAt).toISOString(), purpose: view.purpose })
  })
  app.post('/api/v1/link/:token', async (c) => {
    const body = postBody.safeParse(await c.req.json().catch(() => undefined))
    if (!body.success) throw new HttpError(400, 'Expected a JSON body { "signature": "0x…", "address": "0x…" }.')
    const outcome = await linking.verify({ token: c.req.param('token'), ...body.data })
    // status: 'linked' | 'merge_pending' ('unfrozen' for an unfreeze request); message: one sentence for the page.
    return c.json({ status: outcome.status, address: outcome.address, message: outcome.message })
  })
  return app
}
