import { and, asc, eq, sql } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { sshKeys } from '../db/schema/sshKeys.ts'

/** A rental lets in the keys its account had when it was confirmed, and of
 *  those only the ones still registered. Someone holding a stolen chat account
 *  who adds a key gets nothing already running (its relaunches included),
 *  while the owner removing a key is honoured at the next (re)launch.
 *  Fingerprints, not row ids: a merge keeps a key both accounts held once,
 *  under the surviving row, and the fingerprint still names it. */

/** Prepared once (Rentals.confirm runs it in every confirm): the account's
 *  fingerprints now, as the JSON array stored on the rental. */
export function sshKeySnapshotReader(db: Db): (accountId: number) => string {
  const statement = db
    .select({ fingerprints: sql<string>`json_group_array(${sshKeys.fingerprint})` })
    .from(sshKeys)
    .where(eq(sshKeys.accountId, sql.placeholder('accountId')))
    .prepare()
  return (accountId) => statement.get({ accountId })!.fingerprints
}

/** Prepared once (the heartbeat path): authorized_keys lines for one rental
 *  order, oldest key first. A rental with no snapshot (null) gets none. */
export function rentalAuthorizedKeysReader(db: Db): (accountId: number, snapshot: string | null) => string[] {
  const statement = db
    .select({ publicKey: sshKeys.publicKey, comment: sshKeys.comment })
    .from(sshKeys)
    .where(
      and(
        eq(sshKeys.accountId, sql.placeholder('accountId')),
        sql`${sshKeys.fingerprint} in (select value from json_each(${sql.placeholder('snapshot')}))`,
      ),
    )
    .orderBy(asc(sshKeys.id))
    .prepare()
  return (accountId, snapshot) =>
    snapshot === null ? [] : statement.all({ accountId, snapshot }).map((k) => (k.comment ? `${k.publicKey} ${k.comment}` : k.publicKey))
}
