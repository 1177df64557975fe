import { erc20Abi, TransactionReceiptNotFoundError, type Address, type Hash } from 'viem'
import type { ChainPublicClient } from '../chain/chainClients.ts'
import type { Db } from '../db/openDatabase.ts'
import { sqliteOf } from '../rewards/epochInputs.ts'

export interface ReservesDeps {
  db: Db
  publicClient: ChainPublicClient
  token: Address
  treasury: Address
}

/** The treasury's tokens at one block, and which submitted payouts had already
 *  left it by then: those the ledger still owes (status submitted) but the
 *  balance no longer holds, so they count as reserves in flight. */
export interface ReservesReading {
  blockNumber: bigint
  treasuryBalance: bigint
  /** Payout id → amount, for submitted payouts mined successfully at or before blockNumber. */
  minedPayouts: Map<string, bigint>
}

/** The block comes first: a payout is marked submitted before its broadcast,
 *  so any transfer mined by that block is among the rows listed after it. */
export async function readReserves({ db, publicClient, token, treasury }: ReservesDeps): Promise<ReservesReading> {
  const blockNumber = await publicClient.getBlockNumber({ cacheTime: 0 })
  const treasuryBalance = await publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [treasury], blockNumber })
  const submitted = sqliteOf(db).prepare("select id, amount, tx_hash, replaced_tx_hashes from payouts where status = 'submitted' and tx_hash is not null").raw().all() as [string, string, Hash, string][]
  const minedAt = new Map<Hash, boolean>()
  const minedPayouts = new Map<string, bigint>()
  for (const [id, amount, txHash, replaced] of submitted) {
    for (const hash of [txHash, ...(JSON.parse(replaced) as Hash[])]) {
      if (!minedAt.has(hash)) minedAt.set(hash, await minedSuccessfullyBy(publicClient, hash, blockNumber))
      if (minedAt.get(hash)) {
        minedPayouts.set(id, BigInt(amount))
        break
      }
    }
  }
  return { blockNumber, treasuryBalance, minedPayouts }
}

async function minedSuccessfullyBy(publicClient: ChainPublicClient, hash: Hash, blockNumber: bigint): Promise<boolean> {
  const receipt = await publicClient.getTransactionReceipt({ hash }).catch((error: unknown) => {
    if (error instanceof TransactionReceiptNotFoundError) return undefined
    throw error
  })
  return receipt !== undefined && receipt.status === 'success' && receipt.blockNumber <= blockNumber
}
