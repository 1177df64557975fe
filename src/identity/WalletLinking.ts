import { randomBytes } from 'node:crypto'
import { and, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm'
import { getAddress, isAddress, isHex, type Address, type Hex } from 'viem'
import { parseSiweMessage } from 'viem/siwe'
import type { Db } from '../db/openDatabase.ts'
import { deposits, payouts } from '../db/schema/chain.ts'
import { alerts } from '../db/schema/alerts.ts'
import { aliasRequests, governanceVotes, snapshotAliases, snapshotRelays } from '../db/schema/governance.ts'
import { notificationPreferences } from '../db/schema/outbox.ts'
import { accounts, chatIdentities, type ChatIdentity } from '../db/schema/identity.ts'
import { linkChallenges, wallets, type LinkChallenge, type Wallet } from '../db/schema/wallets.ts'
import { UserError } from '../errors/AppError.ts'
import { available, earnings, escrow, system } from '../ledger/balanceKeys.ts'
import type { Ledger } from '../ledger/Ledger.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import { describeIdentity, linkMessage } from './linkMessage.ts'

export const LINK_TTL_MS = 10 * 60_000

export interface WalletLinkingDeps {
  db: Db
  ledger: Ledger
  units: TokenUnits
  clock: () => number
  publicUrl: string
  chainId: number
  /** viem's publicClient.verifySiweMessage: EOAs, EIP-1271 and ERC-6492 wallets. */
  verifySiweMessage(params: { message: string; signature: Hex; domain: string; nonce: string; time: Date }): Promise<boolean>
  /** Checks that nothing holds the wallet (running rentals, escrow) before unlinking; returns a reason or undefined. */
  unlinkBlocker?: (accountId: number, address: Address) => string | undefined
}

export interface ChallengeView {
  token: string
  url: string
  identity: string
  expiresAt: number
  address: Address | null
  /** Present when an address is known: the exact text to sign. */
  message: string | null
}

export interface LinkOutcome {
  address: Address
  accountId: number
  merged: boolean
  claimed: bigint
}

/** Sign-In with Ethereum: a chat identity proves it controls a wallet. */
export class WalletLinking {
  constructor(private readonly deps: WalletLinkingDeps) {}

  /** Starts a link. A nonce from crypto.randomBytes (viem's generator is predictable). */
  createChallenge({ identityId, address }: { identityId: number; address?: string }): ChallengeView {
    const now = this.deps.clock()
    const checked = address === undefined ? null : parseAddress(address)
    const challenge = this.deps.db
      .insert(linkChallenges)
      .values({
        token: randomBytes(18).toString('base64url'),
        identityId,
        nonce: randomBytes(16).toString('hex'),
        address: checked,
        issuedAt: now,
        expiresAt: now + LINK_TTL_MS,
      })
      .returning()
      .get()
    return this.view(challenge)
  }

  /** What the signing page shows: the identity being linked and, given an address, the message. */
  describeChallenge(token: string, address?: string): ChallengeView {
    const challenge = this.openChallenge(token)
    return this.view({ ...challenge, address: address === undefined ? challenge.address : parseAddress(address) })
  }

  /** /verify <signature>: the by-hand path for the latest challenge with an address. */
  async verifyLatest({ identityId, signature }: { identityId: number; signature: string }): Promise<LinkOutcome> {
    const challenge = this.deps.db
      .select()
      .from(linkChallenges)
      .where(and(eq(linkChallenges.identityId, identityId), isNotNull(linkChallenges.address), isNull(linkChallenges.usedAt)))
      .orderBy(desc(linkChallenges.issuedAt))
      .get()
    if (!challenge) throw new UserError('There is no link waiting for a signature; run /link <your wallet address> first.', 'NO_CHALLENGE')
    return this.verify({ token: challenge.token, signature, address: challenge.address! })
  }

  /** Checks the signed message against the challenge, then links in one transaction.
   *  @throws UserError for expired, replayed, wrong-domain, wrong-chain, wrong-address and malformed input */
  async verify(params: { token: string; signature: string; address?: string; message?: string }): Promise<LinkOutcome> {
    const challenge = this.openChallenge(params.token)
    const signature = parseSignature(params.signature)
    const identity = this.identity(challenge.identityId)
    const message = params.message ?? this.expectedMessage(challenge, identity, params.address)
    const parsed = parseSiweMessage(message)
    const domain = new URL(this.deps.publicUrl).host
    if (!parsed.address || !parsed.nonce || !parsed.domain) throw new UserError('The signed text is not a Sign-In with Ethereum message; sign the message from /link.', 'BAD_MESSAGE')
    if (parsed.domain !== domain) throw new UserError(`The signed message is for ${parsed.domain}, not ${domain}; sign the message from /link.`, 'WRONG_DOMAIN')
    if (parsed.chainId !== this.deps.chainId)
      throw new UserError(`The signed message is for chain ${parsed.chainId}, not ${this.deps.chainId}; sign the message from /link.`, 'WRONG_CHAIN')
    if (parsed.nonce !== challenge.nonce) throw new UserError('The signed message belongs to another link request; sign the message from this /link.', 'WRONG_NONCE')
    if (message !== linkMessage({ challenge, identity, address: parsed.address, publicUrl: this.deps.publicUrl, chainId: this.deps.chainId }))
      throw new UserError('The signed message was changed; sign the message from /link exactly as given.', 'ALTERED_MESSAGE')
    const valid = await this.deps.verifySiweMessage({ message, signature, domain, nonce: challenge.nonce, time: new Date(this.deps.clock()) })
    if (!valid) throw new UserError(`The signature does not match the address ${parsed.address}; sign with that wallet.`, 'BAD_SIGNATURE')
    return this.link(challenge, identity, getAddress(parsed.address))
  }

  listWallets(accountId: number): Wallet[] {
    return this.deps.db.select().from(wallets).where(eq(wallets.accountId, accountId)).orderBy(wallets.linkedAt).all()
  }

  /** @throws UserError when the wallet is not the account's or something still holds it */
  unlink({ accountId, address }: { accountId: number; address: string }): Address {
    const checked = parseAddress(address)
    const wallet = this.deps.db.select().from(wallets).where(eq(wallets.address, checked)).get()
    if (!wallet || wallet.accountId !== accountId) throw new UserError(`${checked} is not linked to your account; /wallet lists yours.`, 'NOT_YOUR_WALLET')
    const held = this.deps.ledger.balance(escrow(accountId))
    if (held > 0n) throw new UserError(`You have ${this.deps.units.format(held)} in escrow for running rentals; unlink after they end.`, 'WALLET_IN_USE')
    const blocker = this.deps.unlinkBlocker?.(accountId, checked)
    if (blocker) throw new UserError(blocker, 'WALLET_IN_USE')
    this.deps.db.delete(wallets).where(eq(wallets.address, checked)).run()
    return checked
  }

  private link(challenge: LinkChallenge, identity: ChatIdentity, address: Address): LinkOutcome {
    const { db, ledger, units } = this.deps
    const now = this.deps.clock()
    return db.transaction((tx) => {
      const spent = tx
        .update(linkChallenges)
        .set({ usedAt: now })
        .where(and(eq(linkChallenges.token, challenge.token), isNull(linkChallenges.usedAt)))
        .run()
      if (spent.changes === 0) throw new UserError('This link request was already used; run /link again.', 'CHALLENGE_USED')
      // Read again inside the transaction: another link may have merged this account while the signature was checked.
      let accountId = tx.select({ accountId: chatIdentities.accountId }).from(chatIdentities).where(eq(chatIdentities.id, identity.id)).get()!.accountId
      const existing = tx.select().from(wallets).where(eq(wallets.address, address)).get()
      let merged = false
      if (existing && existing.accountId !== accountId) {
        this.mergeInto(accountId, existing.accountId, now)
        accountId = existing.accountId
        merged = true
      } else if (!existing) {
        tx.insert(wallets).values({ address, accountId, linkedByIdentityId: identity.id, linkedAt: now }).run()
      }
      let claimed = 0n
      const unclaimed = tx
        .select()
        .from(deposits)
        .where(and(eq(deposits.fromAddress, address), eq(deposits.status, 'unclaimed')))
        .all()
      for (const deposit of unclaimed) {
        const amount = BigInt(deposit.amount)
        ledger.post({
          kind: 'deposit.claim',
          idempotencyKey: `deposit.claim:${deposit.txHash}:${deposit.logIndex}`,
          entries: [
            { key: system('unclaimed_deposits'), amount: -amount },
            { key: available(accountId), amount },
          ],
          now,
        })
        tx.update(deposits)
          .set({ status: 'credited', accountId })
          .where(and(eq(deposits.txHash, deposit.txHash), eq(deposits.logIndex, deposit.logIndex)))
          .run()
        claimed += amount
      }
      if (claimed > 0n) {
        enqueueNotification(tx, {
          dedupeKey: `deposit.claimed:${address}:${challenge.token}`,
          accountId,
          topic: 'payments',
          reply: { text: `Deposits of ${units.format(claimed)} sent from ${address} before you linked it are now in your balance.` },
          now,
        })
      }
      return { address, accountId, merged, claimed }
    })
  }

  /** The signature proves one person holds both accounts: fold `from` into `into`. */
  private mergeInto(from: number, into: number, now: number): void {
    const { db, ledger, units } = this.deps
    const held = ledger.balance(escrow(from))
    if (held > 0n)
      throw new UserError(
        `This wallet is linked to your other account, and this one has ${units.format(held)} in escrow; link again after its rentals end.`,
        'MERGE_BLOCKED',
      )
    const entries = [available, earnings].flatMap((kind) => {
      const amount = ledger.balance(kind(from))
      return amount > 0n
        ? [
            { key: kind(from), amount: -amount },
            { key: kind(into), amount },
          ]
        : []
    })
    if (entries.length) ledger.post({ kind: 'account.merge', idempotencyKey: `account.merge:${from}:${into}`, entries, now })
    // Everything else that belongs to the person follows them; their own settings win on a clash.
    db.update(payouts).set({ accountId: into }).where(eq(payouts.accountId, from)).run()
    db.update(alerts).set({ accountId: into }).where(eq(alerts.accountId, from)).run()
    for (const table of [governanceVotes, aliasRequests, snapshotAliases, snapshotRelays]) {
      db.update(table).set({ accountId: into }).where(eq(table.accountId, from)).run()
    }
    db.run(
      sql`insert or ignore into notification_preferences (account_id, topic, enabled) select ${into}, topic, enabled from notification_preferences where account_id = ${from}`,
    )
    db.delete(notificationPreferences).where(eq(notificationPreferences.accountId, from)).run()
    db.update(chatIdentities).set({ accountId: into }).where(eq(chatIdentities.accountId, from)).run()
    db.update(wallets).set({ accountId: into }).where(eq(wallets.accountId, from)).run()
    db.update(accounts).set({ mergedInto: into }).where(eq(accounts.id, from)).run()
  }

  private openChallenge(token: string): LinkChallenge {
    const challenge = this.deps.db.select().from(linkChallenges).where(eq(linkChallenges.token, token)).get()
    if (!challenge) throw new UserError('This link request does not exist; run /link to get a new one.', 'NO_CHALLENGE')
    if (challenge.usedAt !== null) throw new UserError('This link request was already used; run /link again.', 'CHALLENGE_USED')
    if (challenge.expiresAt <= this.deps.clock()) throw new UserError('This link request expired (they last 10 minutes); run /link again.', 'CHALLENGE_EXPIRED')
    return challenge
  }

  private identity(identityId: number): ChatIdentity {
    return this.deps.db.select().from(chatIdentities).where(eq(chatIdentities.id, identityId)).get()!
  }

  private expectedMessage(challenge: LinkChallenge, identity: ChatIdentity, address?: string): string {
    const signer = address === undefined ? challenge.address : parseAddress(address)
    if (!signer) throw new UserError('Say which wallet signed: run /link <your wallet address> first.', 'NO_ADDRESS')
    return linkMessage({ challenge, identity, address: signer as Address, publicUrl: this.deps.publicUrl, chainId: this.deps.chainId })
  }

  private view(challenge: LinkChallenge): ChallengeView {
    const identity = this.identity(challenge.identityId)
    const address = (challenge.address as Address | null) ?? null
    return {
      token: challenge.token,
      url: `${this.deps.publicUrl}/link/${challenge.token}`,
      identity: describeIdentity(identity),
      expiresAt: challenge.expiresAt,
      address,
      message: address ? linkMessage({ challenge, identity, address, publicUrl: this.deps.publicUrl, chainId: this.deps.chainId }) : null,
    }
  }
}

export function parseAddress(text: string): Address {
  const trimmed = text.trim()
  if (!isAddress(trimmed, { strict: false })) throw new UserError(`"${trimmed.slice(0, 50)}" is not a wallet address; expected 0x followed by 40 hex digits.`, 'BAD_ADDRESS')
  return getAddress(trimmed)
}

function parseSignature(text: string): Hex {
  const trimmed = text.trim()
  if (!isHex(trimmed) || trimmed.length < 132 || trimmed.length % 2 !== 0)
    throw new UserError('That is not a signature; expected 0x followed by 130 hex digits (longer for smart-contract wallets).', 'BAD_SIGNATURE')
  return trimmed
}

