import type { Sqlite } from '../src/db/openDatabase.ts'

export const FIXTURE_MODELS = [
  { model: 'H100-80GB', memoryMb: 81920 },
  { model: 'A100-80GB', memoryMb: 81920 },
  { model: 'RTX4090-24GB', memoryMb: 24576 },
  { model: 'L40S-48GB', memoryMb: 49152 },
  { model: 'H200-141GB', memoryMb: 144384 },
]
export const FIXTURE_REGIONS = ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south', 'ap-east']

/** Node i's address; its provider id and account id are i too. */
export const fixtureAddress = (i: number) => `0x${i.toString(16).padStart(40, '0')}`

/** A network of `nodes` providers with one node each, written by set-based
 *  SQL in one transaction (seconds for 100,000 nodes, where registering them
 *  one by one through the agent path would take minutes). Every node is
 *  already listed — verified for all its GPUs, bonded, online — set directly
 *  on nodes.listed / node_gpus.online: the benches measure the market and the
 *  epoch close, not the challenge and bond paths that normally set them.
 *  Models, regions, prices and reliabilities cycle with the node number;
 *  `uptime` lays down hourly roll-ups (12 buckets per hour, node i missing
 *  one in every 97 hours) over [from, to), whole hours. */
export function insertNetwork(
  sqlite: Sqlite,
  { nodes, gpusPerNode = 5, now = 0, uptime }: { nodes: number; gpusPerNode?: number; now?: number; uptime?: { from: number; to: number } },
): void {
  const HOUR = 3600_000
  const models = FIXTURE_MODELS.map((m, i) => `select ${i} as k, '${m.model}' as model, ${m.memoryMb} as memory`).join(' union all ')
  const regions = FIXTURE_REGIONS.map((r, i) => `select ${i} as k, '${r}' as region`).join(' union all ')
  const seq = `with recursive seq(i) as (select 1 union all select i + 1 from seq where i < ${nodes})`
  sqlite.transaction(() => {
    sqlite.exec(`${seq} insert into accounts (id, created_at) select i, 0 from seq`)
    sqlite.exec(`${seq} insert into providers (id, address, created_at) select i, printf('0x%040x', i), 0 from seq`)
    sqlite.exec(`${seq} insert into wallets (address, account_id, linked_at) select printf('0x%040x', i), i, 0 from seq`)
    sqlite.exec(`${seq}, regions as (${regions})
      insert into nodes (id, provider_id, node_key, region, price_per_gpu_hour, online, last_heartbeat_at, registered_at, verification, verified_at, verified_gpus, listed, reliability)
      select 'n' || i, i, 'k', regions.region, cast((5 + i % 40) * 100000000000000000 as text), 1, ${now}, 0, 'verified', ${now}, ${gpusPerNode}, 1, round(1 - (i % 50) / 1000.0, 3)
      from seq join regions on regions.k = i % ${FIXTURE_REGIONS.length}`)
    sqlite.exec(`${seq}, models as (${models})
      insert into node_gpus (node_id, model, memory_mb, total, allocated, region, price_per_gpu_hour, price_sort, reliability, online)
      select n.id, models.model, models.memory, ${gpusPerNode}, 0, n.region, n.price_per_gpu_hour, printf('%040d', cast(n.price_per_gpu_hour as integer)), n.reliability, 1
      from seq join nodes n on n.id = 'n' || i join models on models.k = i % ${FIXTURE_MODELS.length}`)
    if (uptime) {
      const firstHour = Math.ceil(uptime.from / HOUR)
      const hours = Math.floor(uptime.to / HOUR) - firstHour
      sqlite.exec(`${seq}, hours(h) as (select 0 union all select h + 1 from hours where h < ${hours - 1})
        insert into uptime_hours (node_id, hour_start, buckets, gpus, rented_gpus)
        select 'n' || i, (${firstHour} + h) * ${HOUR}, 12 - ((h + i) % 97 = 0), ${gpusPerNode} * (12 - ((h + i) % 97 = 0)), 0
        from seq, hours`)
    }
  })()
}
