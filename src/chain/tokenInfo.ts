import { BaseError, erc20Abi, HttpRequestError, TimeoutError, type Address } from 'viem'
import type { ChainPublicClient } from './chainClients.ts'
import { TokenNotErc20Error } from './chainErrors.ts'

export type TokenInfo = { address: Address; symbol: string; decimals: number }

export type GetTokenInfoParameters = { address: Address }

/**
 * Reads the token's symbol and decimals, which every amount shown to or typed
 * by a person is converted with.
 * @throws TokenNotErc20Error when there is no contract at `address` or it does not answer like an ERC-20.
 */
export async function getTokenInfo(publicClient: ChainPublicClient, { address }: GetTokenInfoParameters): Promise<TokenInfo> {
  const chainId = publicClient.chain.id
  const code = await publicClient.getCode({ address })
  if (code === undefined || code === '0x') {
    throw new TokenNotErc20Error({ address, chainId, reason: 'has no contract code; check TOKEN_ADDRESS and that RPC_URL is the right network' })
  }
  try {
    // Both calls run at once, but a failure is reported in a fixed order
    // (symbol, then decimals): which one failed first must not depend on timing.
    const [symbol, decimals] = await Promise.allSettled([
      publicClient.readContract({ address, abi: erc20Abi, functionName: 'symbol' }),
      publicClient.readContract({ address, abi: erc20Abi, functionName: 'decimals' }),
    ])
    if (symbol.status === 'rejected') throw symbol.reason
    if (decimals.status === 'rejected') throw decimals.reason
    return { address, symbol: symbol.value, decimals: decimals.value }
  } catch (error) {
    // A network failure says nothing about the token; let it surface as itself.
    if (error instanceof BaseError && error.walk((cause) => cause instanceof HttpRequestError || cause instanceof TimeoutError)) {
      throw error
    }
    const reason = error instanceof BaseError ? error.shortMessage : String(error)
    throw new TokenNotErc20Error({
      address,
      chainId,
      reason: `is a contract but not an ERC-20 with string symbol() and decimals() (${reason})`,
    })
  }
}
