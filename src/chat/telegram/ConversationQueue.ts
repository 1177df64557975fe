/** Runs updates one after another per conversation (a user in a chat) and
 *  many conversations at once. Replies come back in the order commands were
 *  typed, and a chat held by a 429 holds no one else. `enqueue` waits only
 *  while `maxInFlight` updates are pending: that backpressure stops polling
 *  (or slows webhook answers) instead of growing memory without bound. */
export class ConversationQueue {
  private readonly tails = new Map<string, Promise<void>>()
  private inFlight = 0
  private readonly slotWaiters: (() => void)[] = []
  private readonly idleWaiters: (() => void)[] = []

  constructor(private readonly deps: { maxInFlight: number; onError: (error: unknown) => void }) {}

  async enqueue(key: string, task: () => Promise<void>): Promise<void> {
    while (this.inFlight >= this.deps.maxInFlight) await new Promise<void>((resolve) => this.slotWaiters.push(resolve))
    this.inFlight++
    const run = (this.tails.get(key) ?? Promise.resolve())
      .then(task)
      .catch(this.deps.onError)
      .finally(() => {
        if (this.tails.get(key) === run) this.tails.delete(key)
        this.inFlight--
        this.slotWaiters.shift()?.()
        if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve()
      })
    this.tails.set(key, run)
  }

  /** Resolves when every queued update has been handled. */
  drain(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve))
  }
}
