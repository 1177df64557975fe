import type { Sqlite } from '../db/openDatabase.ts'

export interface EpochPayments {
  /** Confirmed on chain. */
  paid: bigint
  paidCount: number
  /** Pending or submitted. */
  inFlight: bigint
  inFlightCount: number
}

/** Sums reward payouts per epoch. Reward payout ids are `e<epoch>-<provider>`:
 *  one key range per epoch. Amounts are decimal text past 64 bits, so SQL sums
 *  them exactly in two parts (digits above and below 10^12). An epoch whose
 *  payouts are all final never changes and is summed once; one with payouts on
 *  the way is summed again at most once a minute (100,000 rows take tens of ms). */
export class EpochPaymentSums {
  private readonly statement
  private readonly memo = new Map<number, { at: number; sums: EpochPayments }>()

  constructor(private readonly deps: { sqlite: Sqlite; clock: () => number; maxAgeMs?: number }) {
    this.statement = deps.sqlite
      .prepare<[string, string], { status: string; n: bigint; high: bigint | null; low: bigint | null }>(
        `select status, count(*) as n, sum(cast(substr(amount, 1, length(amount) - 12) as integer)) as high, sum(cast(substr(amount, -12) as integer)) as low
         from payouts where id >= ? and id < ? group by status`,
      )
      .safeIntegers(true)
  }

  of(epoch: number): EpochPayments {
    const kept = this.memo.get(epoch)
    if (kept && (kept.sums.inFlightCount === 0 || this.deps.clock() - kept.at < (this.deps.maxAgeMs ?? 60_000))) return kept.sums
    return this.sum(epoch)
  }

  /** Sums the epoch's payouts now, whatever is kept (the snapshot job keeps the latest epoch current this way). */
  sum(epoch: number): EpochPayments {
    const now = this.deps.clock()
    const sums: EpochPayments = { paid: 0n, paidCount: 0, inFlight: 0n, inFlightCount: 0 }
    for (const p of this.statement.all(`e${epoch}-`, `e${epoch}.`)) {
      const amount = (p.high ?? 0n) * 10n ** 12n + (p.low ?? 0n)
      if (p.status === 'confirmed') {
        sums.paid += amount
        sums.paidCount += Number(p.n)
      } else if (p.status === 'pending' || p.status === 'submitted') {
        sums.inFlight += amount
        sums.inFlightCount += Number(p.n)
      }
    }
    this.memo.set(epoch, { at: now, sums })
    return sums
  }
}
