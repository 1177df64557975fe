import { AppError } from '../errors/AppError.ts'

export class NoCapacityError extends AppError {
  constructor(what: string) {
    super(`no capacity for ${what}`, { code: 'NO_CAPACITY', userMessage: `No node has ${what} free right now. Try /gpus to see what is available, or /alert to be told when it is.` })
  }
}

export class CapacityGoneError extends AppError {
  constructor() {
    super('quoted capacity is gone', { code: 'CAPACITY_GONE', userMessage: 'Those GPUs are no longer available; run /rent again for a new quote.' })
  }
}

export class InsufficientBalanceError extends AppError {
  constructor({ needed, available, format }: { needed: bigint; available: bigint; format: (n: bigint) => string }) {
    super(`balance ${available} < ${needed}`, {
      code: 'INSUFFICIENT_BALANCE',
      userMessage: `This needs ${format(needed)} but you have ${format(available)} available. Use /deposit to top up.`,
    })
  }
}

export class RentalNotFoundError extends AppError {
  constructor(id: string) {
    super(`rental ${id} not found for this account`, { code: 'NOT_FOUND', userMessage: `You have no rental ${id}; /jobs lists yours.` })
  }
}

/** An agent acted on a rental in a state that does not allow it (HTTP 409). */
export class RentalStateError extends AppError {
  constructor(id: string, status: string, action: string) {
    super(`cannot ${action} rental ${id} in state ${status}`, { code: 'CONFLICT', userMessage: `Rental ${id} is ${status}; it cannot be ${action}.` })
  }
}
