import type { Db } from '../db/openDatabase.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { sqliteOf } from './epochInputs.ts'

/** What a closed epoch actually did with its statements: paid, carried under
 *  the minimum, or held (frozen account, wallet inside the security hold). */
export interface EpochOutcome {
  payouts: number
  paying: bigint
  belowMinimum: number
  held: number
  carried: bigint
  minPayout: bigint
}

/** The outcome of a closed epoch, read back from its statements. */
export function epochOutcome(db: Db, epoch: number): EpochOutcome {
  const sqlite = sqliteOf(db)
  const rows = sqlite.prepare<[number], [string, number]>('select total, leaf_index from epoch_statements where epoch = ?').raw().iterate(epoch)
  return summarizeStatements((function* () {
    for (const [total, leafIndex] of rows) yield { total: BigInt(total), paid: leafIndex >= 0 }
  })(), minPayoutOf(db, epoch))
}

/** The minimum payout a closed epoch was judged by, as its report recorded it. */
export function minPayoutOf(db: Db, epoch: number): bigint {
  const { minPayout } = sqliteOf(db).prepare<[number], { minPayout: string }>("select json_extract(report, '$.minPayout') as minPayout from epochs where number = ?").get(epoch)!
  return BigInt(minPayout)
}

export function summarizeStatements(statements: Iterable<{ total: bigint; paid: boolean }>, minPayout: bigint): EpochOutcome {
  const outcome: EpochOutcome = { payouts: 0, paying: 0n, belowMinimum: 0, held: 0, carried: 0n, minPayout }
  for (const { total, paid } of statements) {
    if (paid) {
      outcome.payouts++
      outcome.paying += total
    } else if (total > 0n) {
      if (total >= minPayout) outcome.held++
      else outcome.belowMinimum++
      outcome.carried += total
    }
  }
  return outcome
}

/** One sentence, true for every outcome: an epoch that paid nothing says so. */
export function describeEpochOutcome(outcome: EpochOutcome, units: TokenUnits): string {
  const providers = (n: number) => `${n} provider${n === 1 ? '' : 's'}`
  const carried = [
    outcome.belowMinimum > 0 ? `${providers(outcome.belowMinimum)} below the minimum payout of ${units.display(outcome.minPayout)}` : undefined,
    outcome.held > 0 ? `${providers(outcome.held)} held by a freeze or a wallet still in its security hold` : undefined,
  ].filter(Boolean)
  const carriedText = carried.length > 0 ? `${carried.join(' and ')}, ${units.display(outcome.carried)} carried over to the next epoch` : ''
  if (outcome.payouts === 0) return carriedText ? `Nothing to pay: ${carriedText}.` : 'Nothing to pay: no provider earned anything in this epoch.'
  const paying = outcome.payouts === 1 ? `1 payout of ${units.display(outcome.paying)} is being sent` : `${outcome.payouts} payouts totalling ${units.display(outcome.paying)} are being sent`
  return carriedText ? `${paying}; ${carriedText}.` : `${paying}.`
}
