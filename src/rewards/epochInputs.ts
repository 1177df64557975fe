import type { Db, Sqlite } from '../db/openDatabase.ts'
import type { NodeEpochData } from './rewardFormula.ts'

/** The reward formula's inputs for one epoch, read with set-based SQL: no
 *  statement binds one variable per node or provider (SQLite allows 32,766),
 *  so an epoch closes the same way at 100 nodes and at 100,000. */

const HOUR = 3600_000

/** The better-sqlite3 handle under drizzle: these reads stream raw rows,
 *  where drizzle's row objects would hold millions at once. */
export function sqliteOf(db: Db): Sqlite {
  return (db as Db & { $client: Sqlite }).$client
}

export type NodeInfo = Omit<NodeEpochData, 'uptime'>

/** Where an epoch's uptime lives: whole hours in the hourly roll-up, the
 *  partial hours at either edge in the 5-minute buckets. */
function uptimeWindow(startsAt: number, endsAt: number) {
  const firstWhole = Math.ceil(startsAt / HOUR) * HOUR
  const lastWhole = Math.max(firstWhole, Math.floor(endsAt / HOUR) * HOUR)
  return { startsAt, endsAt, firstWhole, lastWhole, headEnd: Math.min(firstWhole, endsAt), tailStart: Math.max(lastWhole, startsAt) }
}

/** Every uptime row in the epoch, hour of day first. */
const UPTIME_ROWS = `
  select node_id, (hour_start / ${HOUR}) % 24 as hour, buckets, gpus, rented_gpus as rented from uptime_hours
    where hour_start >= :firstWhole and hour_start < :lastWhole
  union all
  select node_id, (bucket_start / ${HOUR}) % 24, 1, gpus, rented_gpus from uptime_buckets
    where (bucket_start >= :startsAt and bucket_start < :headEnd) or (bucket_start >= :tailStart and bucket_start < :endsAt)`

/** Uptime by node and UTC hour of day (2.4 M roll-up rows a day for 100,000
 *  nodes, read from a covering index). SQLite packs each node's rows into one
 *  JSON array, so 100,000 values cross into JavaScript instead of 12 million,
 *  and they are summed here into 24 slots per node. */
export function readUptime(db: Db, startsAt: number, endsAt: number): Map<string, NodeEpochData['uptime']> {
  const rows = sqliteOf(db)
    .prepare<Record<string, number>, [string, string]>(`select node_id, json_group_array(json_array(hour, buckets, gpus, rented)) from (${UPTIME_ROWS}) group by node_id`)
    .raw()
    .iterate(uptimeWindow(startsAt, endsAt))
  const byNode = new Map<string, NodeEpochData['uptime']>()
  // Per hour of day: [buckets, gpus, rented]. Integers (small ints to V8): 2.4 M
  // hour entries then cost about half what boxed doubles would.
  const slots = new Int32Array(72)
  for (const [nodeId, packed] of rows) {
    slots.fill(0)
    for (const [hour, buckets, gpus, rented] of JSON.parse(packed) as [number, number, number, number][]) {
      slots[hour * 3] += buckets
      slots[hour * 3 + 1] += gpus
      slots[hour * 3 + 2] += rented
    }
    const list: NodeEpochData['uptime'] = []
    for (let hour = 0; hour < 24; hour++) {
      if (slots[hour * 3]! > 0) list.push({ hour, buckets: slots[hour * 3]!, gpus: slots[hour * 3 + 1]!, rentedGpus: slots[hour * 3 + 2]! })
    }
    byNode.set(nodeId, list)
  }
  return byNode
}

/** The given nodes (those seen in the epoch): provider, declared models,
 *  off-peak window, and renewable only where its provider's attestation is
 *  current at `at`. The ids travel as one JSON parameter read by json_each. */
export function readNodeInfo(db: Db, nodeIds: Iterable<string>, at: number): NodeInfo[] {
  const ids = JSON.stringify([...nodeIds])
  const models = new Map<string, { model: string; count: number }[]>()
  for (const [nodeId, model, count] of sqliteOf(db)
    .prepare<[string], [string, string, number]>('select g.node_id, g.model, g.total from json_each(?) ids cross join node_gpus g on g.node_id = ids.value order by g.node_id, g.model')
    .raw()
    .iterate(ids)) {
    let list = models.get(nodeId)
    if (!list) models.set(nodeId, (list = []))
    list.push({ model, count })
  }
  const rows = sqliteOf(db)
    .prepare<{ ids: string; at: number }, [string, number, number, number | null, number | null]>(
      `select n.id, n.provider_id,
         n.renewable and exists (select 1 from renewable_attestations r where r.provider_id = n.provider_id and r.valid_until > :at and (r.revoked_at is null or r.revoked_at > :at)),
         n.off_peak_start_hour, n.off_peak_end_hour
       from json_each(:ids) ids cross join nodes n on n.id = ids.value`,
    )
    .raw()
    .all({ ids, at })
  return rows.map(([nodeId, providerId, renewable, startHour, endHour]) => ({
    nodeId,
    providerId,
    renewable: renewable === 1,
    offPeak: startHour !== null && endHour !== null ? { startHour, endHour } : null,
    models: models.get(nodeId) ?? [],
  }))
}

/** Rental earnings (charged − fee) by provider for rentals settled in the epoch. */
export function readEarnings(db: Db, startsAt: number, endsAt: number): Map<number, bigint> {
  const earnings = new Map<number, bigint>()
  const rows = sqliteOf(db)
    .prepare<[number, number], [number, string | null, string | null]>(
      'select n.provider_id, r.charged, r.fee from rentals r join nodes n on n.id = r.node_id where r.ended_at is not null and r.ended_at >= ? and r.ended_at < ?',
    )
    .raw()
    .iterate(startsAt, endsAt)
  for (const [providerId, charged, fee] of rows) earnings.set(providerId, (earnings.get(providerId) ?? 0n) + BigInt(charged ?? '0') - BigInt(fee ?? '0'))
  return earnings
}

/** Address and paid account of the given providers. The ids travel as one
 *  JSON parameter read by json_each, not as one variable each. */
export function readProviders(db: Db, ids: Iterable<number>): { providerId: number; address: string; accountId: number }[] {
  return sqliteOf(db)
    .prepare<[string], { providerId: number; address: string; accountId: number }>(
      `select p.id as providerId, p.address, w.account_id as accountId
       from json_each(?) ids cross join providers p on p.id = ids.value join wallets w on w.address = p.address order by p.id`,
    )
    .all(JSON.stringify([...ids]))
}

/** Marks the given failed reward payouts as carried into an epoch (one JSON parameter, any number of ids). */
export function markPayoutsCarried(db: Db, payoutIds: string[]): void {
  if (payoutIds.length === 0) return
  sqliteOf(db).prepare("update payouts set status = 'carried' where status = 'failed' and id in (select value from json_each(?))").run(JSON.stringify(payoutIds))
}
