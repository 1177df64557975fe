import { randomBytes } from 'node:crypto'
import { Hono } from 'hono'
import type { Logger } from '../app/logger.ts'
import type { Metrics } from '../app/metrics.ts'
import { AppError } from '../errors/AppError.ts'
import { AGENT_API_PREFIX } from './agentRoutes.ts'
import { bodyLimitKiB, DEFAULT_BODY_KIB } from './bodyLimitKiB.ts'
import { HttpError } from './HttpError.ts'

/** Domain error codes that mean more than "bad request" to an HTTP client. */
const STATUS_BY_CODE: Record<string, 403 | 404 | 409 | 422 | 429> = { FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, INVALID_BODY: 422, TOO_MANY_PENDING: 422, TOO_MANY_NODES: 422, RATE_LIMITED: 429 }

/** A check throws when failing; it may return 'degraded' when serving but something needs an operator (reserves below liabilities). */
export type HealthCheck = { name: string; check: () => Promise<void | 'degraded'> | void | 'degraded' }

export interface HttpAppDeps {
  logger: Logger
  metrics: Metrics
  healthChecks: HealthCheck[]
  /** Sub-apps mounted at the root (agent API, signing pages, webhooks). */
  routes: Hono<any>[]
}

export function createHttpApp({ logger, metrics, healthChecks, routes }: HttpAppDeps): Hono {
  const app = new Hono()
  const small = bodyLimitKiB(DEFAULT_BODY_KIB)
  // The agent API limits its bodies itself, after checking who is asking: a limit here would buffer a chunked body first.
  app.use('*', (c, next) => (c.req.path.startsWith(AGENT_API_PREFIX) ? next() : small(c, next)))

  app.get('/healthz', async (c) => {
    const checks: Record<string, string> = {}
    let healthy = true
    let degraded = false
    for (const { name, check } of healthChecks) {
      try {
        const result = await withTimeout(Promise.resolve(check()), 2000)
        checks[name] = result === 'degraded' ? 'degraded' : 'ok'
        if (result === 'degraded') degraded = true
      } catch (error) {
        healthy = false
        checks[name] = 'failing'
        logger.warn({ err: error, check: name }, 'health check failed')
      }
    }
    return c.json({ status: healthy ? (degraded ? 'degraded' : 'ok') : 'failing', checks }, healthy ? 200 : 503)
  })

  app.get('/metrics', async (c) => {
    c.header('content-type', metrics.registry.contentType)
    return c.body(await metrics.registry.metrics())
  })

  for (const routeApp of routes) app.route('/', routeApp)

  app.notFound((c) => c.json({ error: 'Not found.', code: 'NOT_FOUND' }, 404))
  app.onError((error, c) => {
    if (error instanceof HttpError) return c.json({ error: error.message, code: error.code }, error.status)
    if (error instanceof AppError && error.userMessage) return c.json({ error: error.userMessage, code: error.code }, STATUS_BY_CODE[error.code] ?? 400)
    const ref = randomBytes(3).toString('hex')
    logger.error({ err: error, ref, path: c.req.path }, 'http request failed')
    return c.json({ error: `Internal error (ref ${ref}).`, code: 'INTERNAL' }, 500)
  })
  return app
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())])
}
