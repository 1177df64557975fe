import { randomBytes } from 'node:crypto'
import { and, eq, lte } from 'drizzle-orm'
import type { Address } from 'viem'
import { ACCOUNT_OWNER, createAction } from '../command/actionStore.ts'
import type { Reply } from '../command/reply.ts'
import type { Db } from '../db/openDatabase.ts'
import { chatIdentities, type ChatIdentity } from '../db/schema/identity.ts'
import { notifications } from '../db/schema/outbox.ts'
import { mergeRequests, wallets, type MergeRequest } from '../db/schema/wallets.ts'
import { UserError } from '../errors/AppError.ts'
import type { Ledger } from '../ledger/Ledger.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import { isFrozen, recordSecurityChange } from './AccountSecurity.ts'
import { describeIdentity } from './linkMessage.ts'
import { mergeAccounts } from './mergeAccounts.ts'
import { utcMinute } from '../time/utcMinute.ts'

export const MERGE_REQUEST_TTL_MS = 24 * 3600_000
export const MERGE_APPROVE_ACTION = 'link.merge.approve'
export const MERGE_DENY_ACTION = 'link.merge.deny'

export interface MergeDeps {
  db: Db
  ledger: Ledger
  clock: () => number
}

export interface MergeDecision {
  status: 'waiting' | 'merged' | 'denied' | 'expired' | 'already_decided'
  /** One sentence for the person who pressed the button. */
  message: string
}

function identitiesOf(db: Db, accountId: number): ChatIdentity[] {
  return db.select().from(chatIdentities).where(eq(chatIdentities.accountId, accountId)).all()
}

/** The signed wallet belongs to another account: nothing merges until both say yes,
 *  the requesting account and the wallet's. An account with no chat identity (made by
 *  a node agent's registration) has only the wallet key, and the signature is its yes.
 *  Call inside the link's transaction. */
export function openMergeRequest(
  deps: MergeDeps,
  { requester, requesterAccountId, targetAccountId, address, now }: { requester: ChatIdentity; requesterAccountId: number; targetAccountId: number; address: Address; now: number },
): MergeRequest {
  const { db } = deps
  if (isFrozen(db, targetAccountId) || isFrozen(db, requesterAccountId))
    throw new UserError('One of the two accounts is frozen, so they cannot be joined; unfreeze first.', 'ACCOUNT_FROZEN')
  const awaiting: number[] = []
  if (identitiesOf(db, targetAccountId).length > 0) awaiting.push(targetAccountId)
  // The requester confirms too, always: on a leaked link the signature is someone else's
  // wallet, and joining it would move this chat identity (and its future deposits) into
  // a stranger's account.
  awaiting.push(requesterAccountId)
  const request = db
    .insert(mergeRequests)
    .values({
      id: `m${randomBytes(4).toString('hex')}`,
      requesterIdentityId: requester.id,
      requesterAccountId,
      targetAccountId,
      address,
      status: 'pending',
      awaiting: JSON.stringify(awaiting),
      createdAt: now,
      expiresAt: now + MERGE_REQUEST_TTL_MS,
    })
    .returning()
    .get()
  for (const accountId of awaiting) askApproval(db, request, requester, accountId, now)
  return request
}

/** Approve / Deny pressed by `accountId` (the button is owned by that account).
 *  Idempotent: a second press, or a press after the decision, changes nothing. */
export function decideMerge(deps: MergeDeps, { requestId, accountId, approve }: { requestId: string; accountId: number; approve: boolean }): MergeDecision {
  const { db, clock } = deps
  const now = clock()
  return db.transaction((tx) => {
    const request = tx.select().from(mergeRequests).where(eq(mergeRequests.id, requestId)).get()
    if (!request) throw new UserError('This merge request does not exist.', 'NO_MERGE_REQUEST')
    if (request.status !== 'pending') return { status: 'already_decided', message: `This request was already ${request.status}; nothing changed.` }
    if (request.expiresAt <= now) {
      closeRequest(tx, request, 'expired', now)
      return { status: 'expired', message: 'This request expired (they last 24 hours); nothing changed.' }
    }
    const awaiting = JSON.parse(request.awaiting) as number[]
    if (!awaiting.includes(accountId)) {
      if (wasAsked(tx, request.id, accountId))
        return { status: 'waiting', message: 'You already approved; the other account has not yet.' }
      throw new UserError('This request is not for your account.', 'NOT_YOUR_REQUEST')
    }
    if (!approve) {
      closeRequest(tx, request, 'denied', now)
      return { status: 'denied', message: 'Denied: nothing changed, and the other side has been told.' }
    }
    const rest = awaiting.filter((id) => id !== accountId)
    const requester = tx.select().from(chatIdentities).where(eq(chatIdentities.id, request.requesterIdentityId)).get()!
    const moved = tx
      .update(mergeRequests)
      .set({ awaiting: JSON.stringify(rest) })
      .where(and(eq(mergeRequests.id, request.id), eq(mergeRequests.status, 'pending'), eq(mergeRequests.awaiting, request.awaiting)))
      .run()
    if (moved.changes === 0) return { status: 'already_decided', message: 'This request changed meanwhile; nothing more to do.' }
    if (rest.length > 0) return { status: 'waiting', message: `Approved. The other account must approve too, by ${utcMinute(request.expiresAt)}.` }
    return completeMerge(deps, tx, { ...request, awaiting: '[]' }, requester, now)
  })
}

/** The scheduler's sweep: requests past 24 hours end, nothing changes, both sides are told. */
export function expireMergeRequests(deps: MergeDeps): number {
  const now = deps.clock()
  const due = deps.db
    .select()
    .from(mergeRequests)
    .where(and(eq(mergeRequests.status, 'pending'), lte(mergeRequests.expiresAt, now)))
    .all()
  for (const request of due) deps.db.transaction((tx) => closeRequest(tx, request, 'expired', now))
  return due.length
}

function completeMerge(deps: MergeDeps, tx: Db, request: MergeRequest, requester: ChatIdentity, now: number): MergeDecision {
  const wallet = tx.select().from(wallets).where(eq(wallets.address, request.address)).get()
  const requesterAccountNow = requester.accountId
  if (!wallet || wallet.accountId !== request.targetAccountId || requesterAccountNow !== request.requesterAccountId || requesterAccountNow === wallet.accountId) {
    closeRequest(tx, request, 'expired', now)
    return { status: 'expired', message: 'The wallet or the accounts changed since this request; nothing changed. Run /link again if you still want this.' }
  }
  if (isFrozen(tx, request.targetAccountId) || isFrozen(tx, request.requesterAccountId)) {
    closeRequest(tx, request, 'denied', now)
    return { status: 'denied', message: 'One of the two accounts is frozen, so they cannot be joined; nothing changed.' }
  }
  const targetHadIdentities = identitiesOf(tx, request.targetAccountId).length > 0
  mergeAccounts(tx, deps.ledger, { from: request.requesterAccountId, into: request.targetAccountId, now })
  tx.update(mergeRequests).set({ status: 'approved', decidedAt: now }).where(eq(mergeRequests.id, request.id)).run()
  recordSecurityChange(tx, {
    accountId: request.targetAccountId,
    kind: targetHadIdentities ? 'accounts_merged' : 'identity_joined',
    detail: mergeDetail(describeIdentity(requester), request.address, targetHadIdentities),
    now,
  })
  return { status: 'merged', message: `Approved: ${describeIdentity(requester)} and the account of ${request.address} are now one account.` }
}

/** Says truthfully where the other account came from. */
export function mergeDetail(who: string, address: string, targetHadIdentities: boolean): string {
  return targetHadIdentities
    ? `${who} joined this account by signing with its wallet ${address}, and the two accounts were merged.`
    : `${who} proved wallet ${address}, whose account its node agent's registration created; that account, with its provider earnings, is now this chat user's.`
}

function askApproval(db: Db, request: MergeRequest, requester: ChatIdentity, accountId: number, now: number): void {
  const owner = { platform: ACCOUNT_OWNER as typeof ACCOUNT_OWNER, id: String(accountId) }
  const groupId = `merge:${request.id}:${accountId}`
  const common = { owner, groupId, now, ttlMs: request.expiresAt - now, payload: { requestId: request.id } }
  const approve = createAction(db, { ...common, name: MERGE_APPROVE_ACTION })
  const deny = createAction(db, { ...common, name: MERGE_DENY_ACTION })
  const who = describeIdentity(requester)
  const until = utcMinute(request.expiresAt)
  // The requesting side is told who holds the other account: in a stolen-URL attack that is the attacker.
  const holders = identitiesOf(db, request.targetAccountId).map(describeIdentity)
  const owners = holders.length ? holders.join(' and ') : null
  const text =
    accountId === request.targetAccountId
      ? `${who} signed with your wallet ${request.address} and asks to join your Gridshare account. Approving gives that chat user your balance, withdrawals and votes. If that is not you on another chat account, press Deny. The request ends at ${until}.`
      : `Wallet ${request.address}, which belongs to another Gridshare account (${owners ? `that of ${owners}` : 'one a node agent registered, with no chat user yet'}), was signed for ${who}. ` +
        `Approving folds this account and its funds into that account, which ${owners ?? 'whoever holds that wallet'} would then control. If you did not link your own wallet just now, press Deny. The request ends at ${until}.`
  const reply: Reply = {
    title: 'Approve joining accounts?',
    text,
    buttons: [
      { label: 'Approve', action: approve, style: 'success' },
      { label: 'Deny', action: deny, style: 'danger' },
    ],
  }
  enqueueNotification(db, { dedupeKey: askKey(request.id, accountId), accountId, topic: 'security', reply, now })
}

function askKey(requestId: string, accountId: number): string {
  return `merge:${requestId}:ask:${accountId}`
}

function wasAsked(db: Db, requestId: string, accountId: number): boolean {
  return db.select({ id: notifications.id }).from(notifications).where(eq(notifications.dedupeKey, askKey(requestId, accountId))).get() !== undefined
}

function closeRequest(db: Db, request: MergeRequest, status: 'denied' | 'expired', now: number): void {
  const closed = db
    .update(mergeRequests)
    .set({ status, decidedAt: now, awaiting: '[]' })
    .where(and(eq(mergeRequests.id, request.id), eq(mergeRequests.status, 'pending')))
    .run()
  if (closed.changes === 0) return
  const requester = db.select().from(chatIdentities).where(eq(chatIdentities.id, request.requesterIdentityId)).get()!
  const why = status === 'denied' ? 'was denied' : 'expired without every approval (they last 24 hours)'
  const text = `The request for ${describeIdentity(requester)} to join the account of wallet ${request.address} ${why}; nothing changed.`
  for (const accountId of new Set([request.requesterAccountId, request.targetAccountId])) {
    enqueueNotification(db, { dedupeKey: `merge:${request.id}:${status}:${accountId}`, accountId, topic: 'security', reply: { text }, now })
  }
}
