import Database from 'better-sqlite3'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { fileURLToPath } from 'node:url'

export type Db = BetterSQLite3Database
export type Sqlite = Database.Database

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url))

/** Opens (or creates) the SQLite file with WAL, foreign keys and a busy
 *  timeout, and applies any migrations not yet applied. */
export function openDatabase(path: string): { db: Db; sqlite: Sqlite; close(): void } {
  const sqlite = new Database(path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  // FULL: every commit is on disk before it returns, so a power loss cannot
  // drop the commit that recorded a signed payout before it was broadcast
  // (NORMAL in WAL mode survives a process crash, not a power loss). The cost
  // is measured in the ledger bench (docs/benchmarks.md).
  sqlite.pragma('synchronous = FULL')
  const db = drizzle(sqlite)
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER })
  return { db, sqlite, close: () => sqlite.close() }
}
