import { TransactionNotFoundError, TransactionReceiptNotFoundError, type Hash } from 'viem'
import type { ChainPublicClient } from './chainClients.ts'

export type TxOutcome = 'confirmed' | 'reverted' | 'pending' | 'unknown'

export type GetTxOutcomeParameters = {
  txHash: Hash
  /**
   * Blocks that must include or follow the transaction's block before it
   * counts, viem's convention: 1 = mined, 2 = mined plus one block on top.
   * 0 behaves like 1.
   */
  confirmations: number
}

/**
 * What the node says about a sent transaction, to decide after a restart
 * whether to wait or resend:
 * - `confirmed` / `reverted`: mined with enough confirmations;
 * - `pending`: in the mempool, or mined with too few confirmations;
 * - `unknown`: the node has never seen it or dropped it (safe to resend with the same nonce).
 */
export async function getTxOutcome(publicClient: ChainPublicClient, { txHash, confirmations }: GetTxOutcomeParameters): Promise<TxOutcome> {
  const receipt = await publicClient.getTransactionReceipt({ hash: txHash }).catch((error: unknown) => {
    if (error instanceof TransactionReceiptNotFoundError) return undefined
    throw error
  })
  if (!receipt) {
    const inMempool = await publicClient.getTransaction({ hash: txHash }).then(
      () => true,
      (error: unknown) => {
        if (error instanceof TransactionNotFoundError) return false
        throw error
      },
    )
    return inMempool ? 'pending' : 'unknown'
  }
  // cacheTime 0: the client caches the block number for a polling interval,
  // and a stale one would under-count confirmations right after a block.
  const latest = await publicClient.getBlockNumber({ cacheTime: 0 })
  if (latest - receipt.blockNumber + 1n < BigInt(confirmations)) return 'pending'
  return receipt.status === 'success' ? 'confirmed' : 'reverted'
}
