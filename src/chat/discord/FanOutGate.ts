import { DeliveryError } from '../../notify/DeliveryError.ts'

/** Bounds outgoing sends: at most `concurrency` run at once and at most
 *  `maxWaiting` wait for a slot. Past that a send is refused as rate_limited
 *  (the dispatcher retries it later) instead of piling up in memory — the
 *  REST client's own queue has no bound. */
export class FanOutGate {
  private running = 0
  private readonly waiting: (() => void)[] = []

  constructor(private readonly options: { concurrency: number; maxWaiting: number; retryAfterMs?: number }) {
    if (options.concurrency < 1) throw new Error('fan-out concurrency must be at least 1')
  }

  get pending(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length }
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.options.concurrency) {
      this.running++
    } else {
      if (this.waiting.length >= this.options.maxWaiting) {
        throw new DeliveryError('rate_limited', `discord fan-out queue full (${this.waiting.length} waiting)`, this.options.retryAfterMs ?? 1000)
      }
      // The slot is handed over by the finishing task, so `running` stays as it is.
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    }
    try {
      return await task()
    } finally {
      const next = this.waiting.shift()
      if (next) next()
      else this.running--
    }
  }
}
