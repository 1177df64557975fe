import { AppError } from '../errors/AppError.ts'

/** Not a user's mistake: a caller built a posting that does not balance. */
export class UnbalancedPostingError extends AppError {
  constructor(kind: string, sum: bigint) {
    super(`ledger posting ${kind} sums to ${sum}, not 0`, { code: 'UNBALANCED_POSTING' })
  }
}

/** An account balance would go below zero; callers turn this into a user message. */
export class NegativeBalanceError extends AppError {
  constructor(
    readonly key: string,
    readonly balance: bigint,
    readonly change: bigint,
    userMessage?: string,
  ) {
    super(`balance ${key} would go negative: ${balance} + ${change}`, { code: 'NEGATIVE_BALANCE', userMessage })
  }
}
