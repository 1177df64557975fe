/** System balances may go negative (the treasury's is minus what it holds for users). */
export const SYSTEM_BALANCES = ['treasury', 'fees', 'rewards_pool', 'unclaimed_deposits', 'payouts_pending'] as const
export type SystemBalance = (typeof SYSTEM_BALANCES)[number]

export type BalanceKey =
  | `account:${number}:available`
  | `account:${number}:escrow`
  | `account:${number}:earnings`
  | `account:${number}:bond`
  | `account:${number}:unbonding`
  | `system:${SystemBalance}`

export const available = (accountId: number): BalanceKey => `account:${accountId}:available`
export const escrow = (accountId: number): BalanceKey => `account:${accountId}:escrow`
/** A provider's rental earnings and emission, paid out at each epoch close. */
export const earnings = (accountId: number): BalanceKey => `account:${accountId}:earnings`
/** A provider's bond: listed GPUs need it; slashes take from it. */
export const bond = (accountId: number): BalanceKey => `account:${accountId}:bond`
/** Bond waiting out unbond_days before it returns to available; still slashable. */
export const unbonding = (accountId: number): BalanceKey => `account:${accountId}:unbonding`
/** Every per-account balance kind: a merge moves them all. */
export const ACCOUNT_BALANCE_KINDS = [available, escrow, earnings, bond, unbonding] as const
export const system = (name: SystemBalance): BalanceKey => `system:${name}`

export function accountIdOf(key: string): number | null {
  const match = /^account:(\d+):/.exec(key)
  return match ? Number(match[1]) : null
}
