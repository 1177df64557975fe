import type { Update } from 'telegraf/types'
import type { Logger } from '../../app/logger.ts'
import { classifyTelegramFailure } from './classifyTelegramFailure.ts'

export interface PollUpdatesDeps {
  /** telegraf's Telegram#callApi, which takes an AbortSignal. */
  callApi: (method: 'getUpdates', payload: Record<string, unknown>, options: { signal: AbortSignal }) => Promise<Update[]>
  /** Resolves once the update is queued; waiting here is how backpressure reaches Telegram. */
  handleUpdate: (update: Update) => Promise<void>
  logger: Logger
  token: string
  allowedUpdates: readonly string[]
  /** Aborting ends the loop, cancelling the poll in flight. */
  signal: AbortSignal
  /** How long Telegram may hold one getUpdates. */
  timeoutSeconds?: number
  /** First wait after a failure; it doubles up to 30 s. */
  retryBaseMs?: number
}

const MAX_BACKOFF_MS = 30_000

/** Long polling with getUpdates, in place of telegraf's launch(): that one
 *  starts polling only after its own deleteWebhook call returns, and a stop
 *  during that window is lost, leaving a 50-second poll behind. Here one
 *  signal stops everything, and every failure except a rejected token is
 *  retried (a 409 while another instance still polls, a 429, a network error). */
export async function pollUpdates(deps: PollUpdatesDeps): Promise<void> {
  const { signal, logger } = deps
  let offset = 0
  let failures = 0
  while (!signal.aborted) {
    let updates: Update[]
    try {
      updates = await deps.callApi('getUpdates', { offset, timeout: deps.timeoutSeconds ?? 50, allowed_updates: deps.allowedUpdates }, { signal })
      failures = 0
    } catch (error) {
      if (signal.aborted) break
      const failure = classifyTelegramFailure(error, deps.token)
      failures++
      logger.warn({ method: 'getUpdates', code: failure.code, description: failure.description, attempt: failures }, 'Telegram polling failed')
      if (failure.code === 401) {
        logger.error({ method: 'getUpdates' }, 'Telegram rejected the bot token; polling stopped')
        return
      }
      const waitMs = failure.kind === 'rate_limited' ? failure.retryAfterMs : Math.min(MAX_BACKOFF_MS, (deps.retryBaseMs ?? 500) * 2 ** (failures - 1))
      await sleep(waitMs, signal)
      continue
    }
    for (const update of updates) {
      offset = update.update_id + 1
      await deps.handleUpdate(update)
    }
  }
  // Confirms the last batch, so the next start does not handle it again.
  if (offset > 0) await deps.callApi('getUpdates', { offset, limit: 1, timeout: 0 }, { signal: AbortSignal.timeout(5_000) }).catch(() => {})
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}
