import { eq } from 'drizzle-orm'
import { zeroAddress, type Address } from 'viem'
import type { Db } from '../db/openDatabase.ts'
import { chainCursors, deposits } from '../db/schema/chain.ts'
import { wallets } from '../db/schema/wallets.ts'
import { available, system } from '../ledger/balanceKeys.ts'
import type { Ledger } from '../ledger/Ledger.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import type { Logger } from '../app/logger.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import type { ChainPublicClient } from './chainClients.ts'
import { readTokenTransfers, type TokenTransfer } from './readTokenTransfers.ts'

const CURSOR = 'deposits'

export interface DepositWatcherDeps {
  db: Db
  ledger: Ledger
  units: TokenUnits
  publicClient: ChainPublicClient
  logger: Logger
  clock: () => number
  token: Address
  treasury: Address
  /** Blocks on top of a transfer's block before it is credited; 0 credits at once. */
  confirmations: number
}

export interface ScanResult {
  credited: number
  unclaimed: number
  toBlock: bigint | null
}

/** Credits token transfers to the treasury, each (tx hash, log index) once,
 *  and only once it is `confirmations` deep, so a reorg shallower than that
 *  never credits a dropped transfer. */
export class DepositWatcher {
  constructor(private readonly deps: DepositWatcherDeps) {}

  /** Starts the cursor at `block` if there is none yet (a fresh database). */
  initCursor(block: bigint): void {
    this.deps.db.insert(chainCursors).values({ name: CURSOR, block: Number(block) }).onConflictDoNothing().run()
  }

  async scan(): Promise<ScanResult> {
    const { db, publicClient, token, treasury, confirmations } = this.deps
    const head = await publicClient.getBlockNumber({ cacheTime: 0 })
    const safe = head - BigInt(confirmations)
    const cursor = db.select().from(chainCursors).where(eq(chainCursors.name, CURSOR)).get()
    const fromBlock = cursor ? BigInt(cursor.block) + 1n : 0n
    if (safe < fromBlock) return { credited: 0, unclaimed: 0, toBlock: null }
    const transfers = await readTokenTransfers(publicClient, { token, to: treasury, fromBlock, toBlock: safe })
    return this.record(transfers.filter((t) => t.from !== zeroAddress && t.from !== treasury), safe)
  }

  /** One transaction: every deposit in the range and the cursor move together. */
  private record(transfers: TokenTransfer[], toBlock: bigint): ScanResult {
    const { db, ledger, units, clock } = this.deps
    const now = clock()
    const result: ScanResult = { credited: 0, unclaimed: 0, toBlock }
    db.transaction((tx) => {
      for (const transfer of transfers) {
        const owner = tx.select({ accountId: wallets.accountId }).from(wallets).where(eq(wallets.address, transfer.from)).get()
        const inserted = tx
          .insert(deposits)
          .values({
            txHash: transfer.txHash,
            logIndex: transfer.logIndex,
            blockNumber: Number(transfer.blockNumber),
            blockHash: transfer.blockHash,
            fromAddress: transfer.from,
            amount: transfer.value.toString(),
            status: owner ? 'credited' : 'unclaimed',
            accountId: owner?.accountId ?? null,
            creditedAt: now,
          })
          .onConflictDoNothing()
          .run()
        if (inserted.changes === 0) continue
        const key = `${transfer.txHash}:${transfer.logIndex}`
        ledger.post({
          kind: owner ? 'deposit' : 'deposit.unclaimed',
          idempotencyKey: `deposit:${key}`,
          entries: [
            { key: system('treasury'), amount: -transfer.value },
            { key: owner ? available(owner.accountId) : system('unclaimed_deposits'), amount: transfer.value },
          ],
          now,
        })
        if (owner) {
          result.credited++
          enqueueNotification(tx, {
            dedupeKey: `deposit:${key}`,
            accountId: owner.accountId,
            topic: 'payments',
            reply: { text: `Deposit of ${units.display(transfer.value)} from ${transfer.from} credited. Tx ${transfer.txHash}` },
            now,
          })
        } else {
          result.unclaimed++
        }
      }
      tx.insert(chainCursors)
        .values({ name: CURSOR, block: Number(toBlock) })
        .onConflictDoUpdate({ target: chainCursors.name, set: { block: Number(toBlock) } })
        .run()
    })
    if (transfers.length) this.deps.logger.info({ ...result, toBlock: toBlock.toString() }, 'deposits scanned')
    return result
  }
}
