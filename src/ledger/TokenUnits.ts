import { formatUnits, parseUnits } from 'viem'
import { UserError } from '../errors/AppError.ts'

/** Converts between base units (bigint) and what people read and type. */
export class TokenUnits {
  constructor(
    readonly symbol: string,
    readonly decimals: number,
  ) {}

  format(amount: bigint): string {
    const [whole, fraction] = formatUnits(amount, this.decimals).split('.')
    const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
    return `${grouped}${fraction ? '.' + fraction : ''} ${this.symbol}`
  }

  /** Parses "12.5" into base units; refuses rounding, signs and junk.
   *  @throws UserError naming `what` and the expected form */
  parse(text: string, what = 'amount', { allowZero = false }: { allowZero?: boolean } = {}): bigint {
    const clean = text.trim().replace(/,/g, '').replace(new RegExp(`\\s*${this.symbol}$`, 'i'), '')
    if (!/^\d*\.?\d*$/.test(clean) || !/\d/.test(clean)) {
      throw new UserError(`The ${what} "${clean}" is not a number; expected a positive amount of ${this.symbol} such as 12.5.`, 'BAD_AMOUNT')
    }
    const fraction = clean.split('.')[1] ?? ''
    if (fraction.length > this.decimals) {
      throw new UserError(`The ${what} ${clean} has more than ${this.decimals} decimals; ${this.symbol} has ${this.decimals}.`, 'BAD_AMOUNT')
    }
    const amount = parseUnits(clean.startsWith('.') ? '0' + clean : clean, this.decimals)
    if (amount === 0n && !allowZero) throw new UserError(`The ${what} must be more than 0 ${this.symbol}.`, 'BAD_AMOUNT')
    return amount
  }
}
