/** Why a send failed, in the terms the dispatcher acts on:
 *  - unreachable: permanent (bot blocked, DMs closed, chat not found): stop trying this identity
 *  - rate_limited: retry this chat after retryAfterMs, others are unaffected
 *  - rejected: the platform refused this message (e.g. 400): give up on it, keep the identity
 *  - transient: network or 5xx: retry with backoff */
export class DeliveryError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'rejected' | 'rate_limited' | 'transient',
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'DeliveryError'
  }
}
