import { and, eq, gt, isNull } from 'drizzle-orm'
import { ACCOUNT_OWNER, createAction, newActionId } from '../command/actionStore.ts'
import type { Db } from '../db/openDatabase.ts'
import { accounts, securityEvents } from '../db/schema/identity.ts'
import { spendLimits } from '../db/schema/spendLimits.ts'
import { UserError } from '../errors/AppError.ts'
import { ProtocolParameters } from '../governance/ProtocolParameters.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import { utcMinute } from '../time/utcMinute.ts'

export const FREEZE_ACTION = 'security.freeze'
/** A change message may be read days later; its Freeze button must still work then. */
export const FREEZE_BUTTON_TTL_MS = 7 * 24 * 3600_000

export type SecurityChangeKind = 'wallet_linked' | 'wallet_unlinked' | 'accounts_merged' | 'identity_joined' | 'unfrozen'
/** Changes told the same way that set no withdrawal hold: they move no money off the platform. */
export type SecurityNoticeKind = SecurityChangeKind | 'spend_limit_loosened' | 'ssh_key_added' | 'ssh_key_deleted'

/** security_hold_hours, a governed parameter, in milliseconds. */
export function securityHoldMs(db: Db): number {
  return new ProtocolParameters(db).getNumber('security_hold_hours') * 3600_000
}

/** Every security change: withdrawals wait out the hold, the change is recorded,
 *  and every chat identity of the account is told, with a Freeze button.
 *  Call inside the transaction that makes the change. */
export function recordSecurityChange(db: Db, params: { accountId: number; kind: SecurityChangeKind; detail: string; now: number }): { holdUntil: number } {
  const { accountId, kind, detail, now } = params
  const holdUntil = now + securityHoldMs(db)
  db.update(accounts).set({ securityHoldUntil: holdUntil }).where(eq(accounts.id, accountId)).run()
  announceSecurityChange(db, {
    accountId,
    kind,
    detail,
    now,
    text: `${detail} Withdrawals wait until ${utcMinute(holdUntil)}. If this was not you, press Freeze my account now: it stops withdrawals and bot signing.`,
  })
  return { holdUntil }
}

/** Records the change (`detail`) and tells every chat identity of the account `text`, with a
 *  Freeze button that works for a week (the security topic is never muted). Call inside the
 *  transaction that makes the change. */
export function announceSecurityChange(
  db: Db,
  { accountId, kind, detail, text, now, title = 'Security change on your account' }: { accountId: number; kind: SecurityNoticeKind; detail: string; text: string; now: number; title?: string },
): void {
  const event = db.insert(securityEvents).values({ accountId, kind, detail, createdAt: now }).returning({ id: securityEvents.id }).get()
  const freeze = createAction(db, {
    name: FREEZE_ACTION,
    payload: null,
    owner: { platform: ACCOUNT_OWNER, id: String(accountId) },
    groupId: newActionId(),
    now,
    ttlMs: FREEZE_BUTTON_TTL_MS,
  })
  enqueueNotification(db, {
    dedupeKey: `security:${event.id}`,
    accountId,
    topic: 'security',
    reply: { title, text, buttons: [{ label: 'Freeze my account', action: freeze, style: 'danger' }] },
    now,
  })
}

export function isFrozen(db: Db, accountId: number): boolean {
  return db.select({ frozenAt: accounts.frozenAt }).from(accounts).where(eq(accounts.id, accountId)).get()?.frozenAt != null
}

/** @throws UserError naming what a frozen account cannot do */
export function assertNotFrozen(db: Db, accountId: number, what: string): void {
  if (isFrozen(db, accountId)) throw new UserError(`Your account is frozen, so ${what} is stopped; /unfreeze with a wallet your account held for the security hold before the freeze lifts it.`, 'ACCOUNT_FROZEN')
}

/** /freeze and the button: stops withdrawals, /authorize and bot signing at once. */
export function freezeAccount(db: Db, { accountId, now }: { accountId: number; now: number }): { frozenAt: number; already: boolean } {
  return db.transaction((tx) => {
    const changed = tx.update(accounts).set({ frozenAt: now }).where(and(eq(accounts.id, accountId), isNull(accounts.frozenAt))).run()
    if (changed.changes === 0) return { frozenAt: tx.select({ f: accounts.frozenAt }).from(accounts).where(eq(accounts.id, accountId)).get()!.f!, already: true }
    tx.insert(securityEvents).values({ accountId, kind: 'frozen', detail: 'The account was frozen.', createdAt: now }).run()
    // A raise or removal of the spend limit still waiting was most likely the thief's (one already
    // in force waited out the hold in the owner's sight, and stays).
    tx.update(spendLimits).set({ pendingCap: null, pendingFrom: null }).where(and(eq(spendLimits.accountId, accountId), gt(spendLimits.pendingFrom, now))).run()
    enqueueNotification(tx, {
      dedupeKey: `security:frozen:${accountId}:${now}`,
      accountId,
      topic: 'security',
      reply: { text: `Your account was frozen at ${utcMinute(now)}: withdrawals, /authorize and votes signed by the bot are stopped. /unfreeze lifts it with a signature from a wallet your account held for the security hold before the freeze.` },
      now,
    })
    return { frozenAt: now, already: false }
  })
}
