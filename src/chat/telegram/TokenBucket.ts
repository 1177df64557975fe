export interface BucketRate {
  /** Sends allowed back to back. */
  burst: number
  perSecond: number
}

/** A token bucket on a monotonic millisecond clock. */
export class TokenBucket {
  private tokens: number
  private at: number

  constructor(
    private readonly rate: BucketRate,
    now: number,
  ) {
    this.tokens = rate.burst
    this.at = now
  }

  /** Milliseconds until a token is free (0: one is free now). */
  waitMs(now: number): number {
    this.refill(now)
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.rate.perSecond) * 1000)
  }

  take(now: number): void {
    this.refill(now)
    this.tokens -= 1
  }

  /** A full bucket holds no history, so it can be dropped and rebuilt later. */
  isFull(now: number): boolean {
    this.refill(now)
    return this.tokens >= this.rate.burst
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.at) / 1000) * this.rate.perSecond)
    this.at = now
  }
}
