import { and, asc, eq, sql } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { sshKeys, type SshKey } from '../db/schema/sshKeys.ts'
import { UserError } from '../errors/AppError.ts'
import { announceSecurityChange, assertNotFrozen } from './AccountSecurity.ts'
import { clip, parseSshPublicKey } from './parseSshPublicKey.ts'

export const MAX_SSH_KEYS_PER_ACCOUNT = 10

export interface SshKeysDeps {
  db: Db
  clock: () => number
}

/** The SSH public keys an account lets into its rentals (ctx.sshKeys). A key
 *  added here opens every rental the account confirms from then on (not the
 *  ones it has: sshKeySnapshot.ts), so each change is a security event told to
 *  every identity of the account. */
export class SshKeys {
  constructor(private readonly deps: SshKeysDeps) {}

  /** @throws UserError (not a valid key, too many keys, frozen account) */
  add(accountId: number, text: string): { key: SshKey; added: boolean } {
    const { db, clock } = this.deps
    const parsed = parseSshPublicKey(text)
    // A frozen account may be in a thief's hands: no new way into its machines.
    assertNotFrozen(db, accountId, 'adding SSH keys')
    const now = clock()
    return db.transaction(
      (tx) => {
        const existing = tx.select().from(sshKeys).where(and(eq(sshKeys.accountId, accountId), eq(sshKeys.fingerprint, parsed.fingerprint))).get()
        if (existing) return { key: existing, added: false }
        const { n } = tx.select({ n: sql<number>`count(*)` }).from(sshKeys).where(eq(sshKeys.accountId, accountId)).get()!
        if (n >= MAX_SSH_KEYS_PER_ACCOUNT) {
          throw new UserError(`You have ${n} SSH keys, the most allowed; remove one with /sshkey delete <number> first (see /sshkey list).`, 'TOO_MANY_SSH_KEYS')
        }
        const key = tx
          .insert(sshKeys)
          .values({ accountId, fingerprint: parsed.fingerprint, publicKey: parsed.publicKey, comment: parsed.comment, createdAt: now })
          .returning()
          .get()
        announce(tx, { accountId, kind: 'ssh_key_added', key, now })
        return { key, added: true }
      },
    )
  }

  /** Oldest first: the numbers /sshkey list shows and /sshkey delete takes. */
  list(accountId: number): SshKey[] {
    return this.deps.db.select().from(sshKeys).where(eq(sshKeys.accountId, accountId)).orderBy(asc(sshKeys.id)).all()
  }

  /** Removes one of this account's keys, by its number in list() or its fingerprint.
   *  @throws UserError when the account has no such key (another account's keys are never matched) */
  delete(accountId: number, which: string): SshKey {
    const { db, clock } = this.deps
    const wanted = which.trim()
    const now = clock()
    return db.transaction(
      (tx) => {
        const mine = tx.select().from(sshKeys).where(eq(sshKeys.accountId, accountId)).orderBy(asc(sshKeys.id)).all()
        const key = /^\d{1,3}$/.test(wanted) ? mine[Number(wanted) - 1] : mine.find((k) => k.fingerprint === wanted || k.fingerprint === `SHA256:${wanted}`)
        if (!key) {
          throw new UserError(`You have no SSH key "${clip(wanted)}"; give its number or its SHA256:… fingerprint from /sshkey list.`, 'SSH_KEY_NOT_FOUND')
        }
        tx.delete(sshKeys).where(and(eq(sshKeys.id, key.id), eq(sshKeys.accountId, accountId))).run()
        announce(tx, { accountId, kind: 'ssh_key_deleted', key, now })
        return key
      },
    )
  }

  /** authorized_keys lines (`<type> <base64> <comment>`) for a rental's workload. */
  authorizedKeys(accountId: number): string[] {
    return authorizedKeysReader(this.deps.db)(accountId)
  }
}

/** Reads an account's keys as authorized_keys lines, oldest first. Prepared
 *  once by its caller: agents get them with every rental order, on the heartbeat path. */
export function authorizedKeysReader(db: Db): (accountId: number) => string[] {
  const statement = db
    .select({ publicKey: sshKeys.publicKey, comment: sshKeys.comment })
    .from(sshKeys)
    .where(eq(sshKeys.accountId, sql.placeholder('accountId')))
    .orderBy(asc(sshKeys.id))
    .prepare()
  return (accountId) => statement.all({ accountId }).map((k) => (k.comment ? `${k.publicKey} ${k.comment}` : k.publicKey))
}

/** Recorded and told to every identity of the account, with a Freeze button. */
function announce(db: Db, { accountId, kind, key, now }: { accountId: number; kind: 'ssh_key_added' | 'ssh_key_deleted'; key: SshKey; now: number }): void {
  const named = `${key.fingerprint}${key.comment ? ` (${key.comment})` : ''}`
  const detail =
    kind === 'ssh_key_added'
      ? `SSH key ${named} was added: it can log in to rentals you confirm from now on, not to the ones you have now.`
      : `SSH key ${named} was removed: no rental lets it in from its next start or restart.`
  const text =
    kind === 'ssh_key_added'
      ? `${detail} If this was not you, press Freeze my account now (it stops adding keys) and remove it with /sshkey delete ${key.fingerprint}.`
      : `${detail} If this was not you, press Freeze my account now.`
  announceSecurityChange(db, { accountId, kind, detail, text, now })
}
