import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm'
import type { Address } from 'viem'
import { uniqueShortId } from '../app/shortId.ts'
import type { Db } from '../db/openDatabase.ts'
import { accounts } from '../db/schema/identity.ts'
import { nodeGpus, nodes, providers, rentals, uptimeBuckets, uptimeHours, type Node } from '../db/schema/market.ts'
import { wallets } from '../db/schema/wallets.ts'
import { AppError } from '../errors/AppError.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import type { HeartbeatBody, HeartbeatResponse, RegisterNodeBody, AgentRental } from '../protocol/agentProtocol.ts'
import { heartbeatBody, parseAgentBody, registerNodeBody } from '../protocol/agentProtocol.ts'
import { canonicalGpu } from './gpuCatalogue.ts'
import type { ProviderListing } from './ProviderListing.ts'
import { checkRegistrationLimits } from './registrationLimits.ts'
import { rentalAuthorizedKeysReader } from '../identity/sshKeySnapshot.ts'

export const BUCKET_MS = 5 * 60_000
const RELIABILITY_WINDOW_MS = 7 * 24 * 3600_000
/** A node is offline once a heartbeat is a quarter-interval late: with the
 *  sweep every quarter interval, it leaves /gpus within 1.5 intervals. */
export const OFFLINE_AFTER_INTERVALS = 1.25

/** How often the offline sweep must run (whole seconds, for cron) so a silent node leaves within 1.5 intervals. */
export function offlineSweepSeconds(heartbeatIntervalMs: number): number {
  return Math.min(30, Math.max(1, Math.floor(heartbeatIntervalMs / 4000)))
}

export interface NodeRegistryDeps {
  db: Db
  units: TokenUnits
  clock: () => number
  heartbeatIntervalMs: number
  /** Opens the sealed access secret of a rental for its agent. */
  openSecret: (sealed: string) => string
  /** Called after capacity may have grown (node registered or back online), for alerts. */
  onCapacity?: (nodeId: string) => void
  /** Decides which nodes are searchable (bonded, verified, online); the registry never lists a node itself. */
  listing: ProviderListing
}


export class ForbiddenNodeError extends AppError {
  constructor(nodeId: string) {
    super(`node ${nodeId} is not this provider's`, { code: 'FORBIDDEN', userMessage: `Node ${nodeId} does not belong to this provider.` })
  }
}

/** Providers' nodes: registration, heartbeats, uptime buckets, online state. */
export class NodeRegistry {
  // Heartbeats are the hottest write path: their statements are prepared once.
  private readonly statements

  constructor(private readonly deps: NodeRegistryDeps) {
    const { db } = deps
    const nodeId = sql.placeholder('nodeId')
    this.statements = {
      owner: db
        .select({ online: nodes.online, address: providers.address })
        .from(nodes)
        .innerJoin(providers, eq(providers.id, nodes.providerId))
        .where(eq(nodes.id, nodeId))
        .prepare(),
      touch: db
        .update(nodes)
        // An agent that sends no free disk (older ones) keeps the last value.
        .set({ lastHeartbeatAt: sql`${sql.placeholder('now')}`, online: true, utilization: sql`${sql.placeholder('utilization')}`, freeDiskMb: sql`coalesce(${sql.placeholder('freeDiskMb')}, free_disk_mb)` })
        .where(eq(nodes.id, nodeId))
        .prepare(),
      // Uptime counts only proven GPUs: min(declared, verified) while the node is
      // listed (verified, current, bonded), else none; served = GPUs of running rentals.
      countedGpus: db
        .select({
          // Spelled out: drizzle drops table names in one-table queries, which would rebind these columns.
          counted: sql<number>`case when nodes.listed then min(nodes.verified_gpus, (select coalesce(sum(g.total), 0) from node_gpus g where g.node_id = nodes.id)) else 0 end`,
          rented: sql<number>`(select coalesce(sum(r.gpu_count), 0) from rentals r where r.node_id = nodes.id and r.status = 'running')`,
        })
        .from(nodes)
        .where(eq(nodes.id, nodeId))
        .prepare(),
      openBucket: db
        .insert(uptimeBuckets)
        .values({ nodeId, bucketStart: sql.placeholder('bucketStart'), gpus: sql.placeholder('gpus'), rentedGpus: sql.placeholder('rented') })
        .onConflictDoNothing()
        .prepare(),
      fillBucket: db
        .update(uptimeBuckets)
        .set({ gpus: sql`${sql.placeholder('gpus')}`, rentedGpus: sql`${sql.placeholder('rented')}` })
        .where(and(eq(uptimeBuckets.nodeId, nodeId), eq(uptimeBuckets.bucketStart, sql.placeholder('bucketStart'))))
        .prepare(),
      // A bucket's counts can change after it opened (node verified, rental started):
      // the hour's roll-up moves by the same difference, so both always agree.
      adjustHour: db
        .update(uptimeHours)
        .set({ gpus: sql`${uptimeHours.gpus} + ${sql.placeholder('gpus')} - bucket.gpus`, rentedGpus: sql`${uptimeHours.rentedGpus} + ${sql.placeholder('rented')} - bucket.rented_gpus` })
        .from(sql`(select gpus, rented_gpus from uptime_buckets where node_id = ${nodeId} and bucket_start = ${sql.placeholder('bucketStart')}) as bucket`)
        .where(and(eq(uptimeHours.nodeId, nodeId), eq(uptimeHours.hourStart, sql.placeholder('hourStart')), sql`(bucket.gpus <> ${sql.placeholder('gpus')} or bucket.rented_gpus <> ${sql.placeholder('rented')})`))
        .prepare(),
      rollUp: db
        .insert(uptimeHours)
        .values({ nodeId, hourStart: sql.placeholder('hourStart'), buckets: 1, gpus: sql.placeholder('gpus'), rentedGpus: sql.placeholder('rented') })
        .onConflictDoUpdate({
          target: [uptimeHours.nodeId, uptimeHours.hourStart],
          set: { buckets: sql`${uptimeHours.buckets} + 1`, gpus: sql`${uptimeHours.gpus} + excluded.gpus`, rentedGpus: sql`${uptimeHours.rentedGpus} + excluded.rented_gpus` },
        })
        .prepare(),
      activeRentals: db
        .select()
        .from(rentals)
        .where(and(eq(rentals.nodeId, nodeId), inArray(rentals.status, ['pending', 'provisioning', 'running'])))
        .prepare(),
      authorizedKeys: rentalAuthorizedKeysReader(db),
    }
  }

  /** Registers (or updates) a node under the provider's wallet. A new node
   *  starts pending (unlisted) until a compute challenge verifies it; an
   *  existing node whose inventory changed must be verified again.
   *  @throws TooManyPendingNodesError, RegistrationRateError (new nodes only) */
  register(address: Address, input: RegisterNodeBody): { nodeId: string; heartbeatIntervalMs: number } {
    const body = parseAgentBody(registerNodeBody, input)
    const { db, units, clock } = this.deps
    const now = clock()
    const price = units.parse(body.pricePerGpuHour, 'price per GPU-hour')
    const grouped = new Map<string, { memoryMb: number; count: number }>()
    for (const gpu of body.gpus) {
      const { model, memoryMb } = canonicalGpu(gpu.name, gpu.memoryMb)
      const group = grouped.get(model) ?? { memoryMb, count: 0 }
      group.count += gpu.count
      group.memoryMb = Math.min(group.memoryMb, memoryMb)
      grouped.set(model, group)
    }
    const nodeId = db.transaction((tx) => {
      const providerId = this.ensureProvider(address, now)
      const existing = tx.select().from(nodes).where(and(eq(nodes.providerId, providerId), eq(nodes.nodeKey, body.nodeKey))).get()
      if (!existing) checkRegistrationLimits(tx, providerId, now)
      const inventoryChanged = existing !== undefined && this.inventoryOf(existing.id) !== inventoryKey(grouped)
      const fields = {
        region: body.region,
        pricePerGpuHour: price.toString(),
        renewable: body.energy.renewable,
        offPeakStartHour: body.energy.offPeak?.startHour ?? null,
        offPeakEndHour: body.energy.offPeak?.endHour ?? null,
        online: true,
        lastHeartbeatAt: now,
        driverVersion: body.gpus[0]?.driverVersion ?? null,
        cudaVersion: body.gpus[0]?.cudaVersion ?? null,
        freeDiskMb: body.freeDiskMb ?? null,
        simulated: body.simulated,
      }
      const id = existing?.id ?? uniqueShortId('n', 5, (candidate) => tx.select({ id: nodes.id }).from(nodes).where(eq(nodes.id, candidate)).get() !== undefined)
      // Proof of one inventory says nothing about another: a changed one is pending again.
      const reverify = inventoryChanged ? { verification: 'pending' as const, verifiedAt: null, verifiedGpus: 0, measuredSpeedBps: null } : {}
      if (existing) tx.update(nodes).set({ ...fields, ...reverify }).where(eq(nodes.id, id)).run()
      else tx.insert(nodes).values({ id, providerId, nodeKey: body.nodeKey, registeredAt: now, ...fields }).run()
      // Allocation comes from the rentals themselves, whatever the agent now reports.
      const allocated = new Map(
        tx
          .select({ model: rentals.model, allocated: sql<number>`sum(${rentals.gpuCount})` })
          .from(rentals)
          .where(and(eq(rentals.nodeId, id), inArray(rentals.status, ['pending', 'provisioning', 'running'])))
          .groupBy(rentals.model)
          .all()
          .map((r) => [r.model, r.allocated]),
      )
      tx.delete(nodeGpus).where(eq(nodeGpus.nodeId, id)).run()
      const reliability = existing?.reliability ?? 1
      for (const [model, group] of grouped) {
        tx.insert(nodeGpus)
          .values({
            nodeId: id,
            model,
            memoryMb: group.memoryMb,
            total: group.count,
            allocated: allocated.get(model) ?? 0,
            region: body.region,
            pricePerGpuHour: price.toString(),
            priceSort: priceSortKey(price),
            reliability,
            online: false,
          })
          .run()
      }
      this.deps.listing.refreshNode(id)
      this.recordBucket(id, now)
      return id
    })
    this.deps.onCapacity?.(nodeId)
    return { nodeId, heartbeatIntervalMs: this.deps.heartbeatIntervalMs }
  }

  /** Records a heartbeat and answers with the work the agent should do.
   *  @throws ForbiddenNodeError when the node is another provider's */
  heartbeat(address: Address, nodeId: string, input: HeartbeatBody): HeartbeatResponse {
    const body = parseAgentBody(heartbeatBody, input)
    const { db, clock } = this.deps
    const now = clock()
    const node = this.statements.owner.get({ nodeId })
    if (!node || node.address !== address) throw new ForbiddenNodeError(nodeId)
    const cameBack = db.transaction((tx) => {
      this.statements.touch.run({ nodeId, now, utilization: JSON.stringify(body.utilization), freeDiskMb: body.freeDiskMb ?? null })
      if (!node.online) {
        this.deps.listing.refreshNode(nodeId)
        enqueueNotification(tx, {
          dedupeKey: `node.online:${nodeId}:${now}`,
          accountId: this.providerAccount(address),
          topic: 'provider',
          reply: { text: `Node ${nodeId} is back online.` },
          now,
        })
      }
      this.recordBucket(nodeId, now)
      return !node.online
    })
    if (cameBack) this.deps.onCapacity?.(nodeId)
    return this.work(nodeId, body.running)
  }

  /** Marks nodes offline once a heartbeat is overdue (and unlists them); returns their ids. */
  markOffline(): string[] {
    const { db, clock } = this.deps
    const now = clock()
    const silenceMs = OFFLINE_AFTER_INTERVALS * this.deps.heartbeatIntervalMs
    const cutoff = now - silenceMs
    const stale = db
      .select({ id: nodes.id, address: providers.address })
      .from(nodes)
      .innerJoin(providers, eq(providers.id, nodes.providerId))
      .where(and(eq(nodes.online, true), lt(nodes.lastHeartbeatAt, cutoff)))
      .all()
    // One transaction and one listing refresh per provider wallet: a data centre
    // going dark at once costs one pass over its nodes, not one per node.
    const byAddress = new Map<string, typeof stale>()
    for (const node of stale) {
      const group = byAddress.get(node.address)
      if (group) group.push(node)
      else byAddress.set(node.address, [node])
    }
    for (const [address, silent] of byAddress) {
      db.transaction((tx) => {
        const accountId = this.providerAccount(address as Address)
        for (const { id } of silent) {
          tx.update(nodes).set({ online: false }).where(eq(nodes.id, id)).run()
          enqueueNotification(tx, {
            dedupeKey: `node.offline:${id}:${now}`,
            accountId,
            topic: 'provider',
            reply: { text: `Node ${id} went offline (no heartbeat for ${Math.round(silenceMs / 1000)} s). Its rentals are being moved or refunded.` },
            now,
          })
        }
        // Unlists them, and frees their bond for the account's other nodes.
        this.deps.listing.refreshAccount(accountId)
      })
    }
    return stale.map((s) => s.id)
  }

  /** The agent is stopping: its node leaves /gpus now, not after missed
   *  heartbeats; its next heartbeat or registration brings it back.
   *  @throws ForbiddenNodeError */
  deregister(address: Address, nodeId: string): void {
    this.ownedNode(address, nodeId)
    this.deps.db.transaction((tx) => {
      tx.update(nodes).set({ online: false }).where(eq(nodes.id, nodeId)).run()
      this.deps.listing.refreshNode(nodeId)
    })
  }

  /** @throws ForbiddenNodeError */
  ownedNode(address: Address, nodeId: string): Node {
    const node = this.deps.db
      .select({ node: nodes, address: providers.address })
      .from(nodes)
      .innerJoin(providers, eq(providers.id, nodes.providerId))
      .where(eq(nodes.id, nodeId))
      .get()
    if (!node || node.address !== address) throw new ForbiddenNodeError(nodeId)
    return node.node
  }

  /** The provider wallet's account, creating the provider (and an account for
   *  an unknown wallet) first: bond can be posted before its first registration. */
  ensureProviderAccount(address: Address): number {
    return this.deps.db.transaction(() => {
      this.ensureProvider(address, this.deps.clock())
      return this.providerAccount(address)
    })
  }

  /** The account that receives a provider's earnings: the wallet's, created with the provider. */
  providerAccount(address: Address): number {
    return this.deps.db.select({ accountId: wallets.accountId }).from(wallets).where(eq(wallets.address, address)).get()!.accountId
  }

  private inventoryOf(nodeId: string): string {
    const rows = this.deps.db.select({ model: nodeGpus.model, total: nodeGpus.total }).from(nodeGpus).where(eq(nodeGpus.nodeId, nodeId)).all()
    return inventoryKey(new Map(rows.map((r) => [r.model, { count: r.total }])))
  }

  private ensureProvider(address: Address, now: number): number {
    const { db } = this.deps
    const found = db.select({ id: providers.id }).from(providers).where(eq(providers.address, address)).get()
    if (!db.select().from(wallets).where(eq(wallets.address, address)).get()) {
      // The agent's signature proves the wallet: it gets an account to be paid into,
      // which merges with the person's chat account when they /link the same wallet.
      const account = db.insert(accounts).values({ createdAt: now }).returning({ id: accounts.id }).get()
      db.insert(wallets).values({ address, accountId: account.id, linkedAt: now }).run()
    }
    return found?.id ?? db.insert(providers).values({ address, createdAt: now }).returning({ id: providers.id }).get().id
  }

  /** One row per node per 5-minute bucket; reliability is recomputed when a bucket opens. */
  private recordBucket(nodeId: string, now: number): void {
    const bucketStart = Math.floor(now / BUCKET_MS) * BUCKET_MS
    const { counted: gpus, rented: running } = this.statements.countedGpus.get({ nodeId })!
    const rented = Math.min(running, gpus)
    const hourStart = Math.floor(now / 3600_000) * 3600_000
    const opened = this.statements.openBucket.run({ nodeId, bucketStart, gpus, rented })
    if (opened.changes > 0) {
      this.statements.rollUp.run({ nodeId, hourStart, gpus, rented })
      this.updateReliability(nodeId, now)
    } else {
      this.statements.adjustHour.run({ nodeId, bucketStart, hourStart, gpus, rented })
      this.statements.fillBucket.run({ nodeId, bucketStart, gpus, rented })
    }
  }

  private updateReliability(nodeId: string, now: number): void {
    const { db } = this.deps
    const node = db.select({ registeredAt: nodes.registeredAt }).from(nodes).where(eq(nodes.id, nodeId)).get()!
    const from = Math.max(node.registeredAt, now - RELIABILITY_WINDOW_MS)
    const firstBucket = Math.floor(from / BUCKET_MS)
    const expected = Math.floor(now / BUCKET_MS) - firstBucket + 1
    const seen = db
      .select({ n: sql<number>`count(*)` })
      .from(uptimeBuckets)
      .where(and(eq(uptimeBuckets.nodeId, nodeId), gte(uptimeBuckets.bucketStart, firstBucket * BUCKET_MS)))
      .get()!.n
    // Three decimals: finer differences mean nothing to a renter and would only multiply /gpus's groups.
    const reliability = Math.round(Math.min(1, seen / Math.max(1, expected)) * 1000) / 1000
    db.update(nodes).set({ reliability }).where(eq(nodes.id, nodeId)).run()
    db.update(nodeGpus).set({ reliability }).where(eq(nodeGpus.nodeId, nodeId)).run()
  }

  private work(nodeId: string, running: string[]): HeartbeatResponse {
    const mine = this.statements.activeRentals.all({ nodeId })
    const toAgent = (r: (typeof mine)[number]): AgentRental => ({
      id: r.id,
      gpuCount: r.gpuCount,
      // Not started yet: the clock starts when it runs, so the end is an hour-count from now.
      endsAt: r.endsAt ?? this.deps.clock() + r.hours * 3600_000,
      accessSecret: this.deps.openSecret(r.accessSecretSealed),
      ...(r.image ? { image: r.image } : {}),
      // The keys the rental was confirmed with that are still registered: one removed since is gone from the next (re)launch.
      sshPublicKeys: this.statements.authorizedKeys(r.accountId, r.sshKeyFingerprints),
    })
    const activeIds = new Set(mine.map((r) => r.id))
    return {
      nodeId,
      start: mine.filter((r) => r.status === 'pending').map(toAgent),
      active: mine.filter((r) => r.status !== 'pending').map(toAgent),
      stop: running.filter((id) => !activeIds.has(id)),
      heartbeatIntervalMs: this.deps.heartbeatIntervalMs,
    }
  }
}

/** Model and count per model, order-free: equal keys mean the same inventory. */
function inventoryKey(grouped: Map<string, { count: number }>): string {
  return [...grouped].map(([model, { count }]) => `${model}:${count}`).sort().join(',')
}

/** Zero-padded to 40 digits so SQLite's text order is numeric order. */
export function priceSortKey(price: bigint): string {
  return price.toString().padStart(40, '0')
}
