import type { Sqlite } from '../../src/db/openDatabase.ts'

export interface FixtureOffer {
  node: string
  model: string
  region: string
  /** Base units per GPU-hour. */
  price: bigint
  total: number
  allocated?: number
  /** Searchable: online and listed (false: an unlisted or offline node's row). */
  online?: boolean
}

/** Writes nodes and their node_gpus rows directly (no agent API): the
 *  dashboard reads only these tables, and a hostile name must reach it. */
export function insertOffers(sqlite: Sqlite, offers: FixtureOffer[]): void {
  sqlite.transaction(() => {
    for (const o of offers) {
      sqlite.prepare('insert or ignore into providers (id, address, created_at) values (1, ?, 0)').run(`0x${'1'.padStart(40, '0')}`)
      sqlite
        .prepare(
          `insert into nodes (id, provider_id, node_key, region, price_per_gpu_hour, online, last_heartbeat_at, registered_at, verification, listed)
           values (?, 1, ?, ?, ?, ?, 0, 0, 'verified', ?)`,
        )
        .run(o.node, o.node, o.region, String(o.price), o.online === false ? 0 : 1, o.online === false ? 0 : 1)
      sqlite
        .prepare(
          `insert into node_gpus (node_id, model, memory_mb, total, allocated, region, price_per_gpu_hour, price_sort, reliability, online)
           values (?, ?, 81920, ?, ?, ?, ?, ?, 1, ?)`,
        )
        .run(o.node, o.model, o.total, o.allocated ?? 0, o.region, String(o.price), String(o.price).padStart(40, '0'), o.online === false ? 0 : 1)
    }
  })()
}

export const GRID = 10n ** 18n
