import { randomBytes } from 'node:crypto'
import { and, eq, isNull, lt } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { actions, type ActionRow } from '../db/schema/actions.ts'
import type { ChatUser } from '../identity/ChatUser.ts'

export const DEFAULT_ACTION_TTL_MS = 15 * 60_000

export type ResolvedAction =
  | { status: 'ok'; action: ActionRow; payload: unknown }
  | { status: 'unknown' | 'expired' | 'used' | 'foreign' }

/** Short random ids (10 chars) keep callback data well under Telegram's 64 bytes. */
export function newActionId(): string {
  return randomBytes(8).toString('base64url').slice(0, 10)
}

/** A button owned by an account rather than one chat identity: for buttons in
 *  notifications, which reach every identity of the account. */
export const ACCOUNT_OWNER = 'account'

/** A button anyone who sees it may press (vote buttons in a group or channel):
 *  the handler acts for the presser, never for whoever posted it. Always reusable. */
export const ANYONE_OWNER = 'anyone'
export const ANYONE: { platform: typeof ANYONE_OWNER; id: string } = { platform: ANYONE_OWNER, id: '*' }

export function createAction(
  db: Db,
  params: {
    name: string
    payload: unknown
    owner: ChatUser | { platform: typeof ACCOUNT_OWNER | typeof ANYONE_OWNER; id: string }
    groupId: string
    now: number
    ttlMs?: number
    once?: boolean
  },
): string {
  const id = newActionId()
  db.insert(actions)
    .values({
      id,
      name: params.name,
      // A button anyone may press is never spent by one of them.
      groupId: params.once === false || params.owner.platform === ANYONE_OWNER ? `reusable:${id}` : params.groupId,
      payload: JSON.stringify(params.payload ?? null),
      ownerPlatform: params.owner.platform,
      ownerUserId: params.owner.id,
      expiresAt: params.now + (params.ttlMs ?? DEFAULT_ACTION_TTL_MS),
    })
    .run()
  return id
}

/** Checks a press and, for single-use buttons, spends it and its siblings in
 *  one statement so two quick presses cannot both pass. */
export function claimAction(db: Db, params: { id: string; presser: ChatUser; presserAccountId: () => number; now: number }): ResolvedAction {
  const row = db.select().from(actions).where(eq(actions.id, params.id)).get()
  if (!row) return { status: 'unknown' }
  const owner =
    row.ownerPlatform === ANYONE_OWNER
      ? true
      : row.ownerPlatform === ACCOUNT_OWNER
      ? row.ownerUserId === String(params.presserAccountId())
      : row.ownerPlatform === params.presser.platform && row.ownerUserId === params.presser.id
  if (!owner) return { status: 'foreign' }
  if (row.usedAt !== null) return { status: 'used' }
  if (row.expiresAt <= params.now) return { status: 'expired' }
  if (!row.groupId.startsWith('reusable:')) {
    const spent = db
      .update(actions)
      .set({ usedAt: params.now })
      .where(and(eq(actions.groupId, row.groupId), isNull(actions.usedAt)))
      .run()
    if (spent.changes === 0) return { status: 'used' }
  }
  return { status: 'ok', action: row, payload: JSON.parse(row.payload) }
}

export function deleteExpiredActions(db: Db, now: number): number {
  return db.delete(actions).where(lt(actions.expiresAt, now - 24 * 3600_000)).run().changes
}
