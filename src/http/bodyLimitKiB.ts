import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'

/** What any request body may weigh unless its route says otherwise. */
export const DEFAULT_BODY_KIB = 256

/** Refuses a body over `kib` KiB with 413 and one sentence: at once from its
 *  content-length, or as it streams when it has none (chunked). */
export function bodyLimitKiB(kib: number): MiddlewareHandler {
  return bodyLimit({ maxSize: kib * 1024, onError: (c) => c.json({ error: `Request body too large; at most ${kib} KiB.`, code: 'TOO_LARGE' }, 413) })
}
