import { timingSafeEqual } from 'node:crypto'
import { Hono } from 'hono'
import type { Update } from 'telegraf/types'

export const SECRET_HEADER = 'x-telegram-bot-api-secret-token'

export interface TelegramWebhookAppDeps {
  /** Path Telegram posts to: the path of the webhook URL given to setWebhook. */
  path: string
  /** Sent back by Telegram in X-Telegram-Bot-Api-Secret-Token with every update. */
  secret: string
  /** Resolves once the update is queued (not handled), so Telegram is answered fast. */
  accept: (update: Update) => Promise<void>
  isOpen: () => boolean
}

/** The webhook route, to be mounted on our HTTP server. Anyone can find the
 *  URL; only Telegram knows the secret, so a request without it is refused
 *  before its body is read. */
export function createTelegramWebhookApp(deps: TelegramWebhookAppDeps): Hono {
  const expected = Buffer.from(deps.secret)
  const app = new Hono()
  app.post(deps.path, async (c) => {
    const given = Buffer.from(c.req.header(SECRET_HEADER) ?? '')
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return c.json({ error: 'Missing or wrong X-Telegram-Bot-Api-Secret-Token.', code: 'UNAUTHORIZED' }, 401)
    // Telegram keeps an update it could not deliver and tries again later.
    if (!deps.isOpen()) return c.json({ error: 'The Telegram adapter is not running.', code: 'UNAVAILABLE' }, 503)
    let update: Update
    try {
      update = await c.req.json<Update>()
    } catch {
      return c.json({ error: 'The body is not a JSON update.', code: 'BAD_REQUEST' }, 400)
    }
    if (typeof update?.update_id !== 'number') return c.json({ error: 'The body is not a Telegram update.', code: 'BAD_REQUEST' }, 400)
    await deps.accept(update)
    return c.json({ ok: true })
  })
  return app
}
