import { formatUnits, parseUnits } from 'viem'
import { echoInput } from '../errors/echoInput.ts'
import { UserError } from '../errors/AppError.ts'

/** Decimals a chat answer shows: people read 0.041667, not 0.041666666666666666. */
export const DISPLAY_DECIMALS = 6

/** Converts between base units (bigint) and what people read and type. */
export class TokenUnits {
  constructor(
    readonly symbol: string,
    readonly decimals: number,
  ) {}

  /** Exact, every decimal: for /balance exact, /job <id>, statements and APIs. */
  format(amount: bigint): string {
    return `${this.number(amount)} ${this.symbol}`
  }

  /** As people read it in chat: at most 6 decimals, rounded half up, "≈"
   *  where that rounds; a positive amount never reads as 0. Stored values
   *  never change; `format` keeps the exact value. */
  display(amount: bigint): string {
    const negative = amount < 0n
    const size = negative ? -amount : amount
    // A token with 6 decimals or fewer has steps of one base unit: always exact.
    const step = 10n ** BigInt(Math.max(0, this.decimals - DISPLAY_DECIMALS))
    const rounded = ((size + step / 2n) / step) * step
    if (rounded === size) return this.format(amount)
    if (rounded === 0n) return `${negative ? '> -' : '< '}${this.number(step)} ${this.symbol}`
    return `≈ ${this.format(negative ? -rounded : rounded)}`
  }

  /** Parses "12.5" into base units; refuses rounding, signs and junk.
   *  @throws UserError naming `what` and the expected form */
  parse(text: string, what = 'amount', { allowZero = false }: { allowZero?: boolean } = {}): bigint {
    const clean = text.trim().replace(/,/g, '').replace(new RegExp(`\\s*${this.symbol}$`, 'i'), '')
    if (!/^\d*\.?\d*$/.test(clean) || !/\d/.test(clean)) {
      throw new UserError(`The ${what} "${echoInput(clean)}" is not a number; expected a positive amount of ${this.symbol} such as 12.5.`, 'BAD_AMOUNT')
    }
    const fraction = clean.split('.')[1] ?? ''
    if (fraction.length > this.decimals) {
      throw new UserError(`The ${what} ${echoInput(clean)} has more than ${this.decimals} decimals; ${this.symbol} has ${this.decimals}.`, 'BAD_AMOUNT')
    }
    const amount = parseUnits(clean, this.decimals)
    if (amount === 0n && !allowZero) throw new UserError(`The ${what} must be more than 0 ${this.symbol}.`, 'BAD_AMOUNT')
    return amount
  }

  /** "1,234.5": grouped thousands, exact decimals, no symbol. */
  private number(amount: bigint): string {
    const [whole, fraction] = formatUnits(amount, this.decimals).split('.')
    const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
    return `${grouped}${fraction ? '.' + fraction : ''}`
  }
}
