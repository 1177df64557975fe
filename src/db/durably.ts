import type { Db, Sqlite } from './openDatabase.ts'

/** Runs `write` with `synchronous = FULL`: its commit (and every earlier one) is
 *  on disk before it returns, so a power loss cannot drop it. For the writes
 *  that record an intent before chain or network I/O, such as a signed payout
 *  before its broadcast; everything else commits with NORMAL, which survives a
 *  process crash and costs a third of the throughput less (docs/benchmarks.md). */
export function durably<T>(db: Db, write: () => T): T {
  // drizzle keeps the better-sqlite3 connection as $client (its type here does not say so).
  const sqlite = (db as Db & { $client: Sqlite }).$client
  sqlite.pragma('synchronous = FULL')
  try {
    return write()
  } finally {
    sqlite.pragma('synchronous = NORMAL')
  }
}
