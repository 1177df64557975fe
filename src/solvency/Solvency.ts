import { desc, eq, getTableColumns } from 'drizzle-orm'
import type { Hex } from 'viem'
import type { Logger } from '../app/logger.ts'
import { solvencySnapshots } from '../db/schema/solvency.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { sqliteOf } from '../rewards/epochInputs.ts'
import { accountSecrets, snapshotSalt } from './accountSalts.ts'
import { readLiabilities } from './liabilities.ts'
import { buildMerkleSumTree, merkleSumPath, type MerkleSumTree } from './merkleSumTree.ts'
import { readReserves, type ReservesDeps, type ReservesReading } from './reserves.ts'
import { raiseSolvencyAlarm } from './solvencyAlarm.ts'
import { solvencySummary, solvencyView, type SolvencySnapshotView } from './solvencyView.ts'
import type { SolvencyProof } from './verifySolvencyProof.ts'

/** A reading older than this is not used for an epoch close's snapshot. */
const READING_TTL_MS = 2 * 60_000
/** Older snapshots keep their totals but drop the leaves that rebuild proofs. */
const SNAPSHOTS_WITH_LEAVES = 30
/** Everything but the leaves, which run to megabytes at 100,000 accounts. */
const { leaves: _leaves, ...PUBLISHED_COLUMNS } = getTableColumns(solvencySnapshots)

export interface SolvencyDeps extends ReservesDeps {
  units: TokenUnits
  clock: () => number
  randomBytes: (size: number) => Uint8Array
  logger: Logger
  publicUrl: string
  /** ADMIN_IDS: who hears the alarm. */
  adminIds: readonly string[]
}

/** Proof of solvency: a Merkle-sum root over what every account is owed,
 *  beside the treasury's reserves at one block (docs/solvency.md). */
export class Solvency {
  private reading: { at: number; value: ReservesReading } | undefined
  /** The latest snapshot's tree, so /balance proof does not rebuild it. */
  private cached: { number: number; tree: MerkleSumTree; indexOf: Map<number, number>; salts: Hex[]; amounts: bigint[] } | undefined

  /** A raw prepared read for proofs: the query builder would cost more than the proof itself. */
  private readonly latestHead

  constructor(private readonly deps: SolvencyDeps) {
    this.latestHead = sqliteOf(deps.db).prepare('select number, root, total_liabilities as totalLiabilities from solvency_snapshots order by number desc limit 1')
  }

  /** Reads the reserves now and publishes a snapshot (/admin solvency). */
  async publish({ epoch = null }: { epoch?: number | null } = {}): Promise<SolvencySnapshotView> {
    return this.record(await this.refreshReserves(), { epoch })
  }

  /** Reads the reserves for the next record(); called just before an epoch closes. */
  async refreshReserves(): Promise<ReservesReading> {
    const value = await readReserves(this.deps)
    this.reading = { at: this.deps.clock(), value }
    return value
  }

  /** Best effort before an epoch close: the close goes ahead without it. */
  async prepareEpochClose(): Promise<void> {
    await this.refreshReserves().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'reserves not read before epoch close'))
  }

  /** Inside the epoch close's transaction: a snapshot of the liabilities as
   *  the close leaves them, and the lines its announcement carries. */
  atEpochClose(epoch: number): { name: string; value: string }[] {
    const reading = this.reading && this.deps.clock() - this.reading.at <= READING_TTL_MS ? this.reading.value : undefined
    if (!reading) return [{ name: 'Solvency', value: 'Not checked at this close: the treasury balance could not be read. An admin can run /admin solvency.' }]
    let view: SolvencySnapshotView
    try {
      view = this.record(reading, { epoch })
    } catch (error) {
      // The epoch must close whatever happens here; record()'s savepoint has rolled back.
      this.deps.logger.error({ err: error, epoch }, 'solvency snapshot at epoch close failed')
      return [{ name: 'Solvency', value: 'Not checked at this close: the snapshot failed. An admin can run /admin solvency.' }]
    }
    return [
      { name: 'Solvency', value: solvencySummary(view, this.deps.units) },
      { name: 'Liabilities root', value: `${view.root} (${this.deps.publicUrl}/api/v1/solvency/${view.number})` },
    ]
  }

  /** Builds the tree over the liabilities now and stores it with `reading`; raises the alarm on a shortfall. Synchronous. */
  record(reading: ReservesReading, { epoch = null }: { epoch?: number | null } = {}): SolvencySnapshotView {
    const { db, clock, randomBytes, units, adminIds, publicUrl, logger } = this.deps
    const now = clock()
    const sqlite = sqliteOf(db)
    return db.transaction(
      // One connection: reads through db see this transaction's writes.
      (tx) => {
        const owed = readLiabilities(db)
        const secrets = accountSecrets(db, owed.keys(), { randomBytes, now })
        const number = ((sqlite.prepare('select max(number) from solvency_snapshots').pluck().get() as number | null) ?? 0) + 1
        const accountIds = [...owed.keys()]
        const amounts = accountIds.map((id) => owed.get(id)!)
        const salts = accountIds.map((id) => snapshotSalt(secrets.get(id)!, number))
        const tree = buildMerkleSumTree(amounts.map((amount, i) => ({ salt: salts[i]!, amount })))
        const stillSubmitted = new Set(sqlite.prepare("select id from payouts where status = 'submitted'").pluck().all() as string[])
        const inFlight = [...reading.minedPayouts].reduce((sum, [id, amount]) => (stillSubmitted.has(id) ? sum + amount : sum), 0n)
        const row = tx
          .insert(solvencySnapshots)
          .values({
            number,
            epoch,
            blockNumber: Number(reading.blockNumber),
            root: tree.root,
            totalLiabilities: tree.total.toString(),
            reserves: (reading.treasuryBalance + inFlight).toString(),
            treasuryBalance: reading.treasuryBalance.toString(),
            inFlight: inFlight.toString(),
            accountCount: accountIds.length,
            leaves: JSON.stringify(accountIds.map((id, i) => [id, amounts[i]!.toString()])),
            createdAt: now,
          })
          .returning()
          .get()
        sqlite.prepare('update solvency_snapshots set leaves = null where number <= ?').run(number - SNAPSHOTS_WITH_LEAVES)
        const view = solvencyView(row)
        if (!view.solvent) {
          const admins = raiseSolvencyAlarm(db, { snapshot: view, adminIds, units, now, publicUrl })
          logger.error({ snapshot: number, reserves: view.reserves, liabilities: view.totalLiabilities, admins }, 'reserves below liabilities')
        }
        this.cached = { number, tree, indexOf: new Map(accountIds.map((id, i) => [id, i])), salts, amounts }
        logger.info({ snapshot: number, epoch, root: tree.root, liabilities: view.totalLiabilities, reserves: view.reserves, block: view.blockNumber }, 'solvency snapshot')
        return view
      },
    )
  }

  latest(): SolvencySnapshotView | undefined {
    const row = this.deps.db.select(PUBLISHED_COLUMNS).from(solvencySnapshots).orderBy(desc(solvencySnapshots.number)).limit(1).get()
    return row && solvencyView(row)
  }

  get(number: number): SolvencySnapshotView | undefined {
    const row = this.deps.db.select(PUBLISHED_COLUMNS).from(solvencySnapshots).where(eq(solvencySnapshots.number, number)).get()
    return row && solvencyView(row)
  }

  /** /healthz: degraded while the latest snapshot shows reserves below liabilities. */
  health(): 'degraded' | undefined {
    return this.latest()?.solvent === false ? 'degraded' : undefined
  }

  /** The account's own leaf and path in the latest snapshot; undefined when it
   *  has none (no snapshot yet, or the account is newer than it). */
  proofFor(accountId: number): SolvencyProof | undefined {
    const latest = this.latestHead.get() as { number: number; root: Hex; totalLiabilities: string } | undefined
    if (!latest) return undefined
    const built = this.cached?.number === latest.number ? this.cached : this.rebuild(latest.number)
    const index = built?.indexOf.get(accountId)
    if (!built || index === undefined) return undefined
    return {
      snapshot: latest.number,
      root: latest.root,
      totalLiabilities: latest.totalLiabilities,
      leaf: { amount: built.amounts[index]!.toString(), salt: built.salts[index]! },
      path: merkleSumPath(built.tree, index),
    }
  }

  private rebuild(number: number): Solvency['cached'] {
    const { db } = this.deps
    const row = db.select({ leaves: solvencySnapshots.leaves }).from(solvencySnapshots).where(eq(solvencySnapshots.number, number)).get()
    if (!row?.leaves) return undefined
    const leaves = JSON.parse(row.leaves) as [number, string][]
    const secrets = new Map(sqliteOf(db).prepare('select account_id, secret from solvency_secrets').raw().all() as [number, Hex][])
    const salts = leaves.map(([id]) => snapshotSalt(secrets.get(id)!, number))
    const amounts = leaves.map(([, amount]) => BigInt(amount))
    const tree = buildMerkleSumTree(amounts.map((amount, i) => ({ salt: salts[i]!, amount })))
    this.cached = { number, tree, indexOf: new Map(leaves.map(([id], i) => [id, i])), salts, amounts }
    return this.cached
  }
}
