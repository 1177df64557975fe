import type { TokenUnits } from '../ledger/TokenUnits.ts'

/** The one rule both /balance and /rewards state: an epoch close pays a
 *  provider's total when it reaches the minimum payout, else carries it over. */
export function earningsPayoutNote(earned: bigint, minPayout: bigint, units: TokenUnits): string {
  return earned >= minPayout
    ? 'paid at the next epoch close'
    : `below the minimum payout of ${units.display(minPayout)}: carried over, and paid at the first epoch close where your total reaches it`
}

/** Why a closed epoch's statement was not paid. */
export function unpaidStatementNote(total: bigint, minPayout: bigint, units: TokenUnits): string {
  if (total === 0n) return 'nothing to pay'
  if (total < minPayout) return `below the minimum payout of ${units.display(minPayout)}, carried over to the next epoch`
  return 'held (a frozen account, or a wallet still in its security hold), carried over to the next epoch'
}
