import type { Address } from 'viem'
import { AppError } from '../errors/AppError.ts'

export type ChainErrorCode =
  | 'CHAIN_CONFIG_INVALID'
  | 'CHAIN_UNREACHABLE'
  | 'CHAIN_ID_MISMATCH'
  | 'TOKEN_NOT_ERC20'
  | 'ANVIL_START_FAILED'
  | 'TREASURY_BALANCE_TOO_LOW'

/**
 * Operator-facing errors of the chain layer (no `userMessage`: a chat user
 * sees only "Something went wrong"). Messages name the environment variable
 * to fix and never contain a private key or an unredacted RPC URL, so they
 * are safe to log and to print when start-up stops.
 */
export class ChainError extends AppError {
  declare readonly code: ChainErrorCode

  constructor(message: string, { code, cause }: { code: ChainErrorCode; cause?: unknown }) {
    super(message, { code, cause })
  }
}

export class InvalidChainConfigError extends ChainError {
  constructor({ variable, problem }: { variable: string; problem: string }) {
    super(`${variable}: ${problem}`, { code: 'CHAIN_CONFIG_INVALID' })
  }
}

export class ChainUnreachableError extends ChainError {
  constructor({ url, details }: { url: string; details: string }) {
    super(
      `Cannot reach the EVM JSON-RPC endpoint ${url} (RPC_URL): ${details}. ` +
        'Check that the node is running and RPC_URL is right, or unset RPC_URL to use the embedded dev chain.',
      { code: 'CHAIN_UNREACHABLE' },
    )
  }
}

export class ChainIdMismatchError extends ChainError {
  readonly expected: number
  readonly actual: number

  constructor({ url, expected, actual }: { url: string; expected: number; actual: number }) {
    super(
      `CHAIN_ID is ${expected} but the node at ${url} (RPC_URL) is on chain ${actual}. ` +
        'Fix CHAIN_ID, or point RPC_URL at the intended network.',
      { code: 'CHAIN_ID_MISMATCH' },
    )
    this.expected = expected
    this.actual = actual
  }
}

export class TokenNotErc20Error extends ChainError {
  constructor({ address, chainId, reason }: { address: Address; chainId: number; reason: string }) {
    super(`TOKEN_ADDRESS ${address} on chain ${chainId} ${reason}.`, { code: 'TOKEN_NOT_ERC20' })
  }
}

export class AnvilStartError extends ChainError {
  constructor({ reason, output }: { reason: string; output: string }) {
    super(
      `The embedded dev chain (anvil) did not start: ${reason}.` + (output ? `\nanvil said:\n${output}` : ''),
      { code: 'ANVIL_START_FAILED' },
    )
  }
}

export class TreasuryBalanceTooLowError extends ChainError {
  readonly needed: bigint
  readonly available: bigint

  constructor({ treasury, token, needed, available }: { treasury: Address; token: Address; needed: bigint; available: bigint }) {
    super(
      `Treasury ${treasury} holds ${available} base units of token ${token} but this payout needs ${needed}. ` +
        'Top up the treasury; nothing was sent.',
      { code: 'TREASURY_BALANCE_TOO_LOW' },
    )
    this.needed = needed
    this.available = available
  }
}
