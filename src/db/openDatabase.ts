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
  // NORMAL in WAL mode survives a process crash but not a power loss; the
  // writes that record an intent before chain I/O (a signed payout before its
  // broadcast) commit through durably(), with FULL.
  sqlite.pragma('synchronous = NORMAL')
  const db = drizzle(sqlite)
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER })
  return { db, sqlite, close: () => sqlite.close() }
}
