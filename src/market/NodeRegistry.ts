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

export const BUCKET_MS = 5 * 60_000
const RELIABILITY_WINDOW_MS = 7 * 24 * 3600_000
export const MISSED_HEARTBEATS_OFFLINE = 3

export interface NodeRegistryDeps {
  db: Db
  units: TokenUnits
  clock: () => number
  heartbeatIntervalMs: number
  /** Opens the sealed access secret of a rental for its agent. */
  openSecret: (sealed: string) => string
  /** Called after capacity may have grown (node registered or back online), for alerts. */
  onCapacity?: (nodeId: string) => void
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
        .set({ lastHeartbeatAt: sql`${sql.placeholder('now')}`, online: true, utilization: sql`${sql.placeholder('utilization')}` })
        .where(eq(nodes.id, nodeId))
        .prepare(),
      capacity: db
        .select({ total: sql<number>`coalesce(sum(${nodeGpus.total}), 0)`, allocated: sql<number>`coalesce(sum(${nodeGpus.allocated}), 0)` })
        .from(nodeGpus)
        .where(eq(nodeGpus.nodeId, nodeId))
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
      rollUp: db
        .insert(uptimeHours)
        .values({ nodeId, hourStart: sql.placeholder('hourStart'), buckets: 1, gpus: sql.placeholder('gpus') })
        .onConflictDoUpdate({
          target: [uptimeHours.nodeId, uptimeHours.hourStart],
          set: { buckets: sql`${uptimeHours.buckets} + 1`, gpus: sql`${uptimeHours.gpus} + excluded.gpus` },
        })
        .prepare(),
      activeRentals: db
        .select()
        .from(rentals)
        .where(and(eq(rentals.nodeId, nodeId), inArray(rentals.status, ['pending', 'provisioning', 'running'])))
        .prepare(),
    }
  }

  /** Registers (or updates) a node under the provider's wallet. */
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
      const fields = {
        region: body.region,
        pricePerGpuHour: price.toString(),
        renewable: body.energy.renewable,
        offPeakStartHour: body.energy.offPeak?.startHour ?? null,
        offPeakEndHour: body.energy.offPeak?.endHour ?? null,
        online: true,
        lastHeartbeatAt: now,
        driverVersion: body.gpus[0]?.driverVersion ?? null,
      }
      const id = existing?.id ?? uniqueShortId('n', 5, (candidate) => tx.select({ id: nodes.id }).from(nodes).where(eq(nodes.id, candidate)).get() !== undefined)
      if (existing) tx.update(nodes).set(fields).where(eq(nodes.id, id)).run()
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
            online: true,
          })
          .run()
      }
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
      this.statements.touch.run({ nodeId, now, utilization: JSON.stringify(body.utilization) })
      if (!node.online) {
        tx.update(nodeGpus).set({ online: true }).where(eq(nodeGpus.nodeId, nodeId)).run()
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

  /** Marks nodes offline after three missed heartbeats; returns their ids. */
  markOffline(): string[] {
    const { db, clock } = this.deps
    const now = clock()
    const cutoff = now - MISSED_HEARTBEATS_OFFLINE * this.deps.heartbeatIntervalMs
    const stale = db
      .select({ id: nodes.id, address: providers.address })
      .from(nodes)
      .innerJoin(providers, eq(providers.id, nodes.providerId))
      .where(and(eq(nodes.online, true), lt(nodes.lastHeartbeatAt, cutoff)))
      .all()
    for (const { id, address } of stale) {
      db.transaction((tx) => {
        tx.update(nodes).set({ online: false }).where(eq(nodes.id, id)).run()
        tx.update(nodeGpus).set({ online: false }).where(eq(nodeGpus.nodeId, id)).run()
        enqueueNotification(tx, {
          dedupeKey: `node.offline:${id}:${now}`,
          accountId: this.providerAccount(address as Address),
          topic: 'provider',
          reply: { text: `Node ${id} went offline (no heartbeat for ${Math.round((MISSED_HEARTBEATS_OFFLINE * this.deps.heartbeatIntervalMs) / 1000)} s). Its rentals are being moved or refunded.` },
          now,
        })
      })
    }
    return stale.map((s) => s.id)
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

  /** The account that receives a provider's earnings: the wallet's, created with the provider. */
  providerAccount(address: Address): number {
    return this.deps.db.select({ accountId: wallets.accountId }).from(wallets).where(eq(wallets.address, address)).get()!.accountId
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
    const { total, allocated } = this.statements.capacity.get({ nodeId })!
    const opened = this.statements.openBucket.run({ nodeId, bucketStart, gpus: total, rented: allocated })
    if (opened.changes > 0) {
      this.statements.rollUp.run({ nodeId, hourStart: Math.floor(now / 3600_000) * 3600_000, gpus: total })
      this.updateReliability(nodeId, now)
    } else this.statements.fillBucket.run({ nodeId, bucketStart, gpus: total, rented: allocated })
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

/** Zero-padded to 40 digits so SQLite's text order is numeric order. */
export function priceSortKey(price: bigint): string {
  return price.toString().padStart(40, '0')
}
