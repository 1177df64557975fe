import type { Address, Hash } from 'viem'
import type { ChainPublicClient } from './chainClients.ts'
import { readTokenTransfers, type TokenTransfer } from './readTokenTransfers.ts'

export type FindTokenTransferParameters = {
  token: Address
  /** The sender whose nonce is looked for: the treasury. */
  from: Address
  nonce: number
  /** Earliest block the transfer can be in, e.g. the latest block when the payout was reserved. */
  fromBlock: bigint
  /** @default the latest block */
  toBlock?: bigint | undefined
  chunkSize?: bigint | undefined
}

export type FindTokenTransferReturnType =
  /** The nonce is still free: nothing with it was mined, so sending (again) with it cannot pay twice. */
  | { status: 'not-mined' }
  /** The transaction with this nonce moved tokens from `from`; these are its Transfer logs. */
  | { status: 'mined'; txHash: Hash; blockNumber: bigint; transfers: TokenTransfer[] }
  /**
   * The nonce was used, but by no token transfer from `from` in the range:
   * it reverted, was another kind of transaction, or lies outside the range.
   * Never resend automatically; an operator has to look.
   */
  | { status: 'nonce-used' }

/**
 * Crash recovery for a payout whose nonce was reserved but whose hash may
 * not have been recorded: was a transfer with that nonce mined?
 */
export async function findTokenTransfer(
  publicClient: ChainPublicClient,
  { token, from, nonce, fromBlock, toBlock, chunkSize }: FindTokenTransferParameters,
): Promise<FindTokenTransferReturnType> {
  const latest = toBlock ?? (await publicClient.getBlockNumber({ cacheTime: 0 }))
  // The mined count only grows past `nonce` once a transaction with that nonce is in a block.
  const minedCount = await publicClient.getTransactionCount({ address: from, blockNumber: latest })
  if (minedCount <= nonce) return { status: 'not-mined' }

  const transfers = await readTokenTransfers(publicClient, { token, from, fromBlock, toBlock: latest, chunkSize })
  const txHashes = [...new Set(transfers.map(({ txHash }) => txHash))]
  for (const txHash of txHashes) {
    const transaction = await publicClient.getTransaction({ hash: txHash })
    if (transaction.from.toLowerCase() === from.toLowerCase() && transaction.nonce === nonce) {
      const own = transfers.filter((transfer) => transfer.txHash === txHash)
      return { status: 'mined', txHash, blockNumber: own[0]!.blockNumber, transfers: own }
    }
  }
  return { status: 'nonce-used' }
}
