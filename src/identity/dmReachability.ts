import { and, eq, isNotNull, isNull } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { chatIdentities } from '../db/schema/identity.ts'
import type { Platform } from './ChatUser.ts'

function identity(platform: Platform, userId: string) {
  return and(eq(chatIdentities.platform, platform), eq(chatIdentities.platformUserId, userId))
}

/** How long an unreachable identity rests before the next notification tries
 *  it again, by platform. Telegram says when a user unblocks the bot (a
 *  my_chat_member update), so it is never guessed at; Discord says nothing
 *  when DMs are opened again, so it is tried after the user's next command
 *  (retryDmAfterInteraction) and once a day. */
export const DM_RETRY_AFTER_MS: Partial<Record<Platform, number>> = { discord: 24 * 3600_000 }

/** After a permanent DM failure (blocked bot, DMs closed): stop DMing this
 *  identity until a retry is due. Each failure restarts the wait; a user
 *  already told stays told until a DM goes through. */
export function markDmUnreachable(db: Db, platform: Platform, userId: string, now: number): void {
  db.update(chatIdentities).set({ dmUnreachableAt: now }).where(identity(platform, userId)).run()
}

/** The user just used a command: their DMs may be open again, so the next
 *  notification tries them (a failure marks them again without a second notice). */
export function retryDmAfterInteraction(db: Db, platform: Platform, userId: string): void {
  db.update(chatIdentities)
    .set({ dmUnreachableAt: null })
    .where(and(identity(platform, userId), isNotNull(chatIdentities.dmUnreachableAt)))
    .run()
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
