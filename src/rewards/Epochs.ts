import { and, desc, eq } from 'drizzle-orm'
import type { Logger } from '../app/logger.ts'
import type { Db } from '../db/openDatabase.ts'
import { chainCursors, payouts } from '../db/schema/chain.ts'
import { epochs } from '../db/schema/rewards.ts'
import type { ProtocolParameters } from '../governance/ProtocolParameters.ts'
import { earnings, system } from '../ledger/balanceKeys.ts'
import type { Ledger } from '../ledger/Ledger.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { BUCKET_MS } from '../market/NodeRegistry.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import { cronTimesBetween } from './cronTimes.ts'
import { epochEmission } from './epochEmission.ts'
import { describeEpochOutcome, summarizeStatements } from './epochOutcome.ts'
import { markPayoutsCarried, readEarnings, readNodeInfo, readProviders, readUptime, sqliteOf } from './epochInputs.ts'
import { payoutTree, proofFromDump, reportHash, type PayoutTreeDump } from './merkle.ts'
import { computeRewards, type NodeEpochData, type ProviderEpochData, type RewardParams, type RewardResult } from './rewardFormula.ts'
import { heldProviders } from './heldProviders.ts'

const GENESIS = 'epochs.genesis'
const ESTIMATE_TTL_MS = 60_000

export interface EpochsDeps {
  db: Db
  ledger: Ledger
  units: TokenUnits
  params: ProtocolParameters
  clock: () => number
  logger: Logger
  epochCron: string
  publicUrl: string
  /** Proof of solvency taken inside the close; its lines join the announcement. */
  solvency?: { atEpochClose(epoch: number): { name: string; value: string }[] }
}

/** What a closed epoch stores: the inputs that can change later (parameters,
 *  node models, renewable status) beside the results, so it can be recomputed. */
export interface EpochReport {
  number: number
  startsAt: number
  endsAt: number
  params: RewardParams
  /** Totals below this carry over to the next epoch. */
  minPayout: bigint
  nodes: (Omit<NodeEpochData, 'uptime'> & { result: RewardResult['nodes'][number] })[]
  providers: (RewardResult['providers'][number] & { paid: boolean; carriedOut: bigint; leafIndex: number | null })[]
  dust: bigint
  totalScore: bigint
}

export type EpochRow = typeof epochs.$inferSelect

/** Epochs close on EPOCH_CRON, each exactly once; closes missed while the
 *  service was down are caught up in order. Closing writes the report, its
 *  hash and Merkle root, the ledger moves and the payout rows in one transaction. */
export class Epochs {
  private lastEstimate: { at: number; report: EpochReport } | undefined

  constructor(private readonly deps: EpochsDeps) {}

  /** The first epoch starts when the service first ran. */
  genesis(): number {
    const { db, clock } = this.deps
    db.insert(chainCursors).values({ name: GENESIS, block: clock() }).onConflictDoNothing().run()
    return db.select().from(chainCursors).where(eq(chainCursors.name, GENESIS)).get()!.block
  }

  current(): { number: number; startsAt: number } {
    const last = this.last()
    return last ? { number: last.number + 1, startsAt: last.endsAt } : { number: 1, startsAt: this.genesis() }
  }

  last(): EpochRow | undefined {
    return this.deps.db.select().from(epochs).orderBy(desc(epochs.number)).limit(1).get()
  }

  get(number: number): EpochRow | undefined {
    return this.deps.db.select().from(epochs).where(eq(epochs.number, number)).get()
  }

  /** Closes every scheduled close up to now, oldest first (catch-up after downtime). */
  closeDue(): EpochRow[] {
    const { startsAt } = this.current()
    return cronTimesBetween(this.deps.epochCron, startsAt, this.deps.clock()).map((endsAt) => this.close(endsAt))
  }

  /** Closes the current epoch at `endsAt` (default now). Idempotent: the epoch ending then is returned as is. */
  close(endsAt = this.deps.clock()): EpochRow {
    const { db, ledger, units, clock } = this.deps
    const existing = db.select().from(epochs).where(eq(epochs.endsAt, endsAt)).get()
    if (existing) return existing
    const { number, startsAt } = this.current()
    const report = this.buildReport(number, startsAt, endsAt)
    const paid = report.providers.filter((p) => p.paid)
    const tree = payoutTree(paid.map((p) => ({ address: p.address, amount: p.total })))
    const hash = reportHash(report)
    const now = clock()
    const failedBefore = this.failedRewardPayouts().map((p) => p.id)
    return db.transaction(
      (tx) => {
        markPayoutsCarried(this.deps.db, failedBefore)
        const emitted = report.providers.reduce((sum, p) => sum + p.emission, 0n)
        if (emitted > 0n) {
          ledger.post({
            kind: 'epoch.emission',
            idempotencyKey: `epoch.emission:${number}`,
            entries: [{ key: system('rewards_pool'), amount: -emitted }, ...report.providers.filter((p) => p.emission > 0n).map((p) => ({ key: earnings(p.accountId), amount: p.emission }))],
            now,
          })
        }
        const paying = paid.reduce((sum, p) => sum + p.total, 0n)
        if (paying > 0n) {
          ledger.post({
            kind: 'epoch.payout',
            idempotencyKey: `epoch.payout:${number}`,
            entries: [...paid.map((p) => ({ key: earnings(p.accountId), amount: -p.total })), { key: system('payouts_pending'), amount: paying }],
            now,
          })
        }
        // Raw prepared inserts: one row costs microseconds, where the query builder spends more building SQL than SQLite writing.
        const sqlite = sqliteOf(db)
        const payout = sqlite.prepare("insert into payouts (id, kind, account_id, to_address, amount, status, batch_id, created_at) values (?, 'reward', ?, ?, ?, 'pending', ?, ?)")
        for (const p of paid) payout.run(`e${number}-${p.providerId}`, p.accountId, p.address, p.total.toString(), `epoch:${number}`, now)
        const statement = sqlite.prepare('insert into epoch_statements (epoch, provider_id, address, account_id, emission, earnings, total, leaf_index) values (?, ?, ?, ?, ?, ?, ?, ?)')
        for (const p of report.providers) statement.run(number, p.providerId, p.address, p.accountId, p.emission.toString(), p.earnings.toString(), p.total.toString(), p.leafIndex ?? -1)
        const row = tx
          .insert(epochs)
          .values({
            number,
            startsAt,
            endsAt,
            status: 'closed',
            emission: report.params.emission.toString(),
            reportHash: hash,
            merkleRoot: tree.root,
            report: JSON.stringify(report, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
            tree: JSON.stringify(tree.dump),
            closedAt: now,
          })
          .returning()
          .get()
        enqueueNotification(tx, {
          dedupeKey: `epoch.closed:${number}`,
          accountId: null,
          topic: 'announcements',
          reply: {
            title: `Epoch ${number} closed`,
            text: `${report.providers.length} provider${report.providers.length === 1 ? '' : 's'} earned ${units.display(emitted)} of emission and ${units.display(report.providers.reduce((s, p) => s + p.earnings, 0n))} in rentals. ${describeEpochOutcome(summarizeStatements(report.providers, report.minPayout), units)}`,
            fields: [
              // The root of an empty tree proves nothing: shown only when something is paid.
              ...(paid.length > 0 ? [{ name: 'Merkle root', value: tree.root }] : []),
              { name: 'Statement', value: `${this.deps.publicUrl}/api/v1/epochs/${number}` },
              ...(this.deps.solvency?.atEpochClose(number) ?? []),
            ],
          },
          now,
        })
        this.deps.logger.info({ epoch: number, providers: report.providers.length, paying: paying.toString(), root: tree.root }, 'epoch closed')
        return row
      },
    )
  }

  /** Recomputes a closed epoch from the database and its stored inputs. */
  recompute(number: number): { reportHash: string; merkleRoot: string } {
    const epoch = this.get(number)
    if (!epoch) throw new Error(`epoch ${number} is not closed`)
    const stored = JSON.parse(epoch.report) as { providers: { providerId: number; carriedIn: string; total: string; paid: boolean }[]; params: Record<string, unknown>; minPayout: string; nodes: { nodeId: string; providerId: number; renewable: boolean; offPeak: NodeEpochData['offPeak']; models: NodeEpochData['models'] }[] }
    // Epochs closed before served hours weighed more stored no multiplier: 1× reproduces them.
    const storedParams = stored.params as unknown as RewardParams
    const params = { ...storedParams, servedMultiplierBps: storedParams.servedMultiplierBps ?? 10_000, emission: BigInt(stored.params.emission as string) }
    const carriedIn = new Map(stored.providers.map((p) => [p.providerId, BigInt(p.carriedIn)]))
    const held = new Set(stored.providers.filter((p) => !p.paid && BigInt(p.total) > 0n && BigInt(p.total) >= BigInt(stored.minPayout)).map((p) => p.providerId))
    const report = this.buildReport(number, epoch.startsAt, epoch.endsAt, { params, minPayout: BigInt(stored.minPayout), nodes: stored.nodes, carriedIn, held })
    const paid = report.providers.filter((p) => p.paid)
    return { reportHash: reportHash(report), merkleRoot: payoutTree(paid.map((p) => ({ address: p.address, amount: p.total }))).root }
  }

  /** The formula over the epoch so far, for /rewards estimates (nothing is
   *  written). It covers the whole network (seconds at 100,000 nodes), so one
   *  estimate serves every /rewards for a minute. */
  estimate(): EpochReport {
    const { number, startsAt } = this.current()
    const now = this.deps.clock()
    if (this.lastEstimate && this.lastEstimate.report.number === number && now - this.lastEstimate.at < ESTIMATE_TTL_MS) return this.lastEstimate.report
    const report = this.buildReport(number, startsAt, now)
    this.lastEstimate = { at: now, report }
    return report
  }

  private buildReport(
    number: number,
    startsAt: number,
    endsAt: number,
    fixed?: { params: RewardParams; minPayout: bigint; nodes: Omit<NodeEpochData, 'uptime'>[]; carriedIn: Map<number, bigint>; held: Set<number> },
  ): EpochReport {
    const params = fixed?.params ?? this.rewardParams(startsAt, endsAt)
    const uptimeByNode = readUptime(this.deps.db, startsAt, endsAt)
    const nodeInfo = fixed?.nodes ?? readNodeInfo(this.deps.db, uptimeByNode.keys(), endsAt)
    const nodeData: NodeEpochData[] = nodeInfo.map((n) => ({ ...n, uptime: uptimeByNode.get(n.nodeId) ?? [] }))
    const providerData = this.providerData(number, startsAt, endsAt, new Set(nodeData.map((n) => n.providerId)), fixed?.carriedIn)
    const result = computeRewards({ params, epochStart: startsAt, epochEnd: endsAt, bucketMs: BUCKET_MS, nodes: nodeData, providers: providerData })
    const minPayout = fixed?.minPayout ?? this.deps.units.parse(this.deps.params.get('min_payout'), 'min_payout', { allowZero: true })
    // Money leaves only by its owner's will: a frozen account, one in its security hold, or a
    // wallet linked less than the hold ago is carried, not paid (recomputes read the stored decision).
    const held = fixed?.held ?? heldProviders(this.deps.db, result.providers, this.deps.clock())
    let leafIndex = 0
    return {
      number,
      startsAt,
      endsAt,
      params,
      minPayout,
      nodes: (() => {
        // The formula returns its nodes in code-point order of their ids (the same on every machine): the report keeps that order.
        const infoById = new Map(nodeInfo.map((n) => [n.nodeId, n]))
        return result.nodes.map((r) => ({ ...infoById.get(r.nodeId)!, result: r }))
      })(),
      providers: result.providers.map((p) => {
        const paid = p.total > 0n && p.total >= minPayout && !held.has(p.providerId)
        return { ...p, paid, carriedOut: paid ? 0n : p.total, leafIndex: paid ? leafIndex++ : null }
      }),
      dust: result.dust,
      totalScore: result.totalScore,
    }
  }

  /** What the next statement owes before its own emission: amounts under the
   *  minimum carried from the last epoch, and reward payouts that failed on-chain. */
  private carryIn(number: number): Map<number, bigint> {
    const carried = new Map<number, bigint>()
    // Epoch 1 has no row before it: get(0) finds none.
    const previous = this.get(number - 1)
    for (const p of previous ? (JSON.parse(previous.report) as { providers: { providerId: number; carriedOut: string }[] }).providers : []) {
      if (BigInt(p.carriedOut) > 0n) carried.set(p.providerId, BigInt(p.carriedOut))
    }
    for (const payout of this.failedRewardPayouts()) {
      const providerId = Number(/-(\d+)$/.exec(payout.id)![1])
      carried.set(providerId, (carried.get(providerId) ?? 0n) + BigInt(payout.amount))
    }
    return carried
  }

  private failedRewardPayouts() {
    return this.deps.db.select().from(payouts).where(and(eq(payouts.kind, 'reward'), eq(payouts.status, 'failed'))).all()
  }

  /** Today's parameters, with the emission pro-rated to the epoch's length (stored in the report, so recomputing reads it back). */
  private rewardParams(startsAt: number, endsAt: number): RewardParams {
    const { params, units, epochCron } = this.deps
    const fullEmission = units.parse(params.get('epoch_emission'), 'epoch_emission', { allowZero: true })
    return {
      emission: epochEmission({ emission: fullEmission, epochCron, startsAt, endsAt }),
      offpeakMultiplierBps: params.getNumber('offpeak_multiplier_bps'),
      renewableMultiplierBps: params.getNumber('renewable_multiplier_bps'),
      minUptimeBps: params.getNumber('min_uptime_bps'),
      servedMultiplierBps: params.getNumber('served_multiplier_bps'),
      offpeakStartHour: params.getNumber('offpeak_start_hour'),
      offpeakEndHour: params.getNumber('offpeak_end_hour'),
      gpuWeights: JSON.parse(params.get('gpu_weights')) as Record<string, number>,
    }
  }

  private providerData(number: number, startsAt: number, endsAt: number, withNodes: Set<number>, storedCarry?: Map<number, bigint>): ProviderEpochData[] {
    const { db } = this.deps
    const earnings = readEarnings(db, startsAt, endsAt)
    const carried = storedCarry ?? this.carryIn(number)
    const ids = new Set([...withNodes, ...earnings.keys(), ...carried.keys()])
    if (ids.size === 0) return []
    return readProviders(db, ids).map((p) => ({ ...p, earnings: earnings.get(p.providerId) ?? 0n, carriedIn: carried.get(p.providerId) ?? 0n }))
  }
}

/** The leaf and Merkle proof of one address in a closed epoch, if it was paid. */
export function epochProof(epoch: EpochRow, address: string): { leaf: [string, string]; proof: string[]; root: string } | undefined {
  const dump = JSON.parse(epoch.tree) as PayoutTreeDump | null
  return dump ? proofFromDump(dump, address) : undefined
}
