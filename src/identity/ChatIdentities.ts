import { and, eq, sql } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { accounts, chatIdentities } from '../db/schema/identity.ts'
import type { ChatUser } from './ChatUser.ts'

export interface ResolvedIdentity {
  identityId: number
  accountId: number
}

/** Chat identities (platform + user id) and the accounts they belong to.
 *  Lookups use prepared statements: this runs on every command. */
export class ChatIdentities {
  private readonly findStatement
  private readonly renameStatement

  constructor(private readonly db: Db) {
    this.findStatement = db
      .select({ id: chatIdentities.id, accountId: chatIdentities.accountId, displayName: chatIdentities.displayName })
      .from(chatIdentities)
      .where(and(eq(chatIdentities.platform, sql.placeholder('platform')), eq(chatIdentities.platformUserId, sql.placeholder('userId'))))
      .prepare()
    this.renameStatement = db
      .update(chatIdentities)
      .set({ displayName: sql`${sql.placeholder('name')}` })
      .where(eq(chatIdentities.id, sql.placeholder('id')))
      .prepare()
  }

  /** Finds the identity, creating it and a new account on first contact. */
  ensure(user: ChatUser, now: number): ResolvedIdentity {
    const found = this.findStatement.get({ platform: user.platform, userId: user.id })
    if (found) {
      if (user.name && found.displayName !== user.name) this.renameStatement.run({ name: user.name, id: found.id })
      return { identityId: found.id, accountId: found.accountId }
    }
    // Insert-or-ignore then read: two processes (Discord shards) may meet a new user at once.
    return this.db.transaction((tx) => {
      const account = tx.insert(accounts).values({ createdAt: now }).returning({ id: accounts.id }).get()
      const inserted = tx
        .insert(chatIdentities)
        .values({ platform: user.platform, platformUserId: user.id, accountId: account.id, displayName: user.name, createdAt: now })
        .onConflictDoNothing()
        .returning({ id: chatIdentities.id })
        .get()
      if (inserted) return { identityId: inserted.id, accountId: account.id }
      tx.delete(accounts).where(eq(accounts.id, account.id)).run()
      const existing = this.findStatement.get({ platform: user.platform, userId: user.id })!
      return { identityId: existing.id, accountId: existing.accountId }
    })
  }
}
