import { and, eq, inArray, sql } from 'drizzle-orm'
import { BaseError, erc20Abi, type Address } from 'viem'
import { AppError } from '../errors/AppError.ts'
import type { ChainPublicClient } from '../chain/chainClients.ts'
import type { Db } from '../db/openDatabase.ts'
import { votingPowerCache } from '../db/schema/governance.ts'

export interface VotingPowerDeps {
  db: Db
  publicClient: Pick<ChainPublicClient, 'readContract' | 'getBlockNumber'>
  token: Address
  clock: () => number
  /** Balance reads in flight at once (a reminder run reads every linked wallet). */
  concurrency?: number
}

/** Voting power = token balance at the proposal's snapshot block. A past
 *  block's balance never changes, so each (proposal, wallet) is read from the
 *  chain once and then served from the table. */
export class VotingPower {
  private readonly cached

  constructor(private readonly deps: VotingPowerDeps) {
    this.cached = deps.db
      .select({ power: votingPowerCache.power })
      .from(votingPowerCache)
      .where(and(eq(votingPowerCache.proposalId, sql.placeholder('proposalId')), eq(votingPowerCache.address, sql.placeholder('address'))))
      .prepare()
  }

  /** Each wallet's balance at the snapshot block, in base units. */
  async atSnapshot(proposal: { id: string; snapshotBlock: number }, addresses: readonly Address[]): Promise<Map<Address, bigint>> {
    const powers = new Map<Address, bigint>()
    const missing: Address[] = []
    if (addresses.length === 1) {
      const row = this.cached.get({ proposalId: proposal.id, address: addresses[0]! })
      if (row) powers.set(addresses[0]!, BigInt(row.power))
      else missing.push(addresses[0]!)
    } else if (addresses.length > 1) {
      // In chunks: SQLite allows about 32,000 bound variables per statement.
      for (let i = 0; i < addresses.length; i += 500) {
        const rows = this.deps.db
          .select()
          .from(votingPowerCache)
          .where(and(eq(votingPowerCache.proposalId, proposal.id), inArray(votingPowerCache.address, addresses.slice(i, i + 500))))
          .all()
        for (const row of rows) powers.set(row.address as Address, BigInt(row.power))
      }
      for (const address of addresses) if (!powers.has(address)) missing.push(address)
    }
    if (missing.length === 0) return powers
    const blockNumber = BigInt(proposal.snapshotBlock)
    let read: bigint[]
    try {
      read = await mapLimited(missing, this.deps.concurrency ?? 8, (address) => this.balanceAt(address, blockNumber))
    } catch (error) {
      // A node without that block's state (pruned, or a chain restarted without history) cannot
      // answer; the voter gets a sentence, the operator the cause.
      if (error instanceof BaseError && /BlockOutOfRange|header not found|missing trie node|block.*not found/i.test(`${error.name} ${error.message}`))
        throw new AppError(`voting power at block ${blockNumber} unavailable: ${error.shortMessage}`, {
          code: 'SNAPSHOT_STATE_UNAVAILABLE',
          userMessage: `The chain cannot tell balances at block ${blockNumber}, this proposal's snapshot, right now; nothing was recorded. Try again later.`,
        })
      throw error
    }
    const now = this.deps.clock()
    this.deps.db.transaction((tx) => {
      for (const [i, address] of missing.entries()) {
        powers.set(address, read[i]!)
        tx.insert(votingPowerCache).values({ proposalId: proposal.id, address, power: read[i]!.toString(), fetchedAt: now }).onConflictDoNothing().run()
      }
    })
    return powers
  }

  /** Balances now (the latest block), for the proposal threshold. Not cached: they move. */
  async current(addresses: readonly Address[]): Promise<bigint> {
    const balances = await mapLimited(addresses, this.deps.concurrency ?? 8, (address) => this.balanceAt(address))
    return balances.reduce((a, b) => a + b, 0n)
  }

  latestBlock(): Promise<bigint> {
    return this.deps.publicClient.getBlockNumber({ cacheTime: 0 })
  }

  private balanceAt(address: Address, blockNumber?: bigint): Promise<bigint> {
    return this.deps.publicClient.readContract({ address: this.deps.token, abi: erc20Abi, functionName: 'balanceOf', args: [address], blockNumber })
  }
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
