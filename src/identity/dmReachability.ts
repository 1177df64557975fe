import { and, eq, isNotNull, isNull } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { chatIdentities } from '../db/schema/identity.ts'
import type { Platform } from './ChatUser.ts'

function identity(platform: Platform, userId: string) {
  return and(eq(chatIdentities.platform, platform), eq(chatIdentities.platformUserId, userId))
}

/** After a permanent DM failure (blocked bot, DMs closed): stop DMing this identity. */
export function markDmUnreachable(db: Db, platform: Platform, userId: string, now: number): void {
  db.update(chatIdentities).set({ dmUnreachableAt: now, dmUnreachableToldAt: null }).where(identity(platform, userId)).run()
}

/** Once the user reaches us again (they started the bot, a DM went through). */
export function markDmReachable(db: Db, platform: Platform, userId: string): void {
  db.update(chatIdentities)
    .set({ dmUnreachableAt: null, dmUnreachableToldAt: null })
    .where(and(identity(platform, userId), isNotNull(chatIdentities.dmUnreachableAt)))
    .run()
}

export function isDmUnreachable(db: Db, platform: Platform, userId: string): boolean {
  const row = db.select({ at: chatIdentities.dmUnreachableAt }).from(chatIdentities).where(identity(platform, userId)).get()
  return row?.at != null
}

/** True exactly once after the identity became unreachable, so the user is told in-channel once. */
export function takeUnreachableNotice(db: Db, platform: Platform, userId: string, now: number): boolean {
  const result = db
    .update(chatIdentities)
    .set({ dmUnreachableToldAt: now })
    .where(and(identity(platform, userId), isNotNull(chatIdentities.dmUnreachableAt), isNull(chatIdentities.dmUnreachableToldAt)))
    .run()
  return result.changes > 0
}
