import { createHash, randomBytes } from 'node:crypto'
import { and, desc, eq, isNotNull, isNull } from 'drizzle-orm'
import type { Address } from 'viem'
import type { Db } from '../db/openDatabase.ts'
import { linkChallenges, type LinkChallenge } from '../db/schema/wallets.ts'
import { UserError } from '../errors/AppError.ts'

export const LINK_TTL_MS = 10 * 60_000

export type ChallengePurpose = LinkChallenge['purpose']

/** Only this hash is stored: a database leak yields no usable signing-page URL. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** A single-use, 10-minute request bound to the identity that asked. Token and
 *  nonce come from crypto.randomBytes (viem's nonce generator is predictable). */
export function createLinkChallenge(
  db: Db,
  { identityId, address, purpose, now }: { identityId: number; address: Address | null; purpose: ChallengePurpose; now: number },
): { token: string; challenge: LinkChallenge } {
  const token = randomBytes(18).toString('base64url')
  const challenge = db
    .insert(linkChallenges)
    .values({ tokenHash: hashToken(token), purpose, identityId, nonce: randomBytes(16).toString('hex'), address, issuedAt: now, expiresAt: now + LINK_TTL_MS })
    .returning()
    .get()
  return { token, challenge }
}

/** @throws UserError NO_CHALLENGE, CHALLENGE_USED, CHALLENGE_EXPIRED */
export function openLinkChallenge(db: Db, token: string, now: number): LinkChallenge {
  return checkOpen(db.select().from(linkChallenges).where(eq(linkChallenges.tokenHash, hashToken(token))).get(), now)
}

/** /verify: the identity's latest request that has an address to sign with. */
export function latestChallengeWithAddress(db: Db, identityId: number, now: number): LinkChallenge {
  const challenge = db
    .select()
    .from(linkChallenges)
    .where(and(eq(linkChallenges.identityId, identityId), isNotNull(linkChallenges.address), isNull(linkChallenges.usedAt)))
    .orderBy(desc(linkChallenges.issuedAt))
    .get()
  if (!challenge) throw new UserError('There is no link waiting for a signature; run /link <your wallet address> first.', 'NO_CHALLENGE')
  return checkOpen(challenge, now)
}

/** Spends the request inside the transaction that acts on it, so two submissions cannot both act.
 *  @throws UserError CHALLENGE_USED */
export function spendLinkChallenge(db: Db, challenge: LinkChallenge, now: number): void {
  const spent = db
    .update(linkChallenges)
    .set({ usedAt: now })
    .where(and(eq(linkChallenges.tokenHash, challenge.tokenHash), isNull(linkChallenges.usedAt)))
    .run()
  if (spent.changes === 0) throw usedError(challenge.purpose)
}

function checkOpen(challenge: LinkChallenge | undefined, now: number): LinkChallenge {
  if (!challenge) throw new UserError('This link request does not exist; run /link to get a new one.', 'NO_CHALLENGE')
  if (challenge.usedAt !== null) throw usedError(challenge.purpose)
  const { noun, again } = wording(challenge.purpose)
  if (challenge.expiresAt <= now) throw new UserError(`This ${noun} request expired (they last 10 minutes); run ${again} again.`, 'CHALLENGE_EXPIRED')
  return challenge
}

function usedError(purpose: ChallengePurpose): UserError {
  const { noun, again } = wording(purpose)
  return new UserError(`This ${noun} request was already used; run ${again} again.`, 'CHALLENGE_USED')
}

function wording(purpose: ChallengePurpose): { noun: string; again: string } {
  return purpose === 'unfreeze' ? { noun: 'unfreeze', again: '/unfreeze' } : { noun: 'link', again: '/link' }
}
