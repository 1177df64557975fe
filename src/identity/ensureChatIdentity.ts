import { and, eq } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { accounts, chatIdentities } from '../db/schema/identity.ts'
import type { ChatUser } from '../command/CommandContext.ts'

export interface ResolvedIdentity {
  identityId: number
  accountId: number
}

/** Finds the chat identity (creating it and its account on first contact)
 *  and follows account merges to the surviving account. */
export function ensureChatIdentity(db: Db, user: ChatUser, now: number): ResolvedIdentity {
  const found = db
    .select({ id: chatIdentities.id, accountId: chatIdentities.accountId, displayName: chatIdentities.displayName })
    .from(chatIdentities)
    .where(and(eq(chatIdentities.platform, user.platform), eq(chatIdentities.platformUserId, user.id)))
    .get()
  if (found) {
    if (user.name && found.displayName !== user.name) {
      db.update(chatIdentities).set({ displayName: user.name }).where(eq(chatIdentities.id, found.id)).run()
    }
    return { identityId: found.id, accountId: found.accountId }
  }
  return db.transaction((tx) => {
    const account = tx.insert(accounts).values({ createdAt: now }).returning({ id: accounts.id }).get()
    const identity = tx
      .insert(chatIdentities)
      .values({ platform: user.platform, platformUserId: user.id, accountId: account.id, displayName: user.name, createdAt: now })
      .returning({ id: chatIdentities.id })
      .get()
    return { identityId: identity.id, accountId: account.id }
  })
}
