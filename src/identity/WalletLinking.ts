import { and, eq } from 'drizzle-orm'
import { getAddress, isAddress, isHex, type Address, type Hex } from 'viem'
import { parseSiweMessage } from 'viem/siwe'
import type { Db } from '../db/openDatabase.ts'
import { deposits } from '../db/schema/chain.ts'
import { accounts, chatIdentities, type ChatIdentity } from '../db/schema/identity.ts'
import { wallets, type LinkChallenge, type Wallet } from '../db/schema/wallets.ts'
import { UserError } from '../errors/AppError.ts'
import { available, escrow, system } from '../ledger/balanceKeys.ts'
import type { Ledger } from '../ledger/Ledger.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import { assertNotFrozen, freezeAccount, recordSecurityChange, securityHoldMs } from './AccountSecurity.ts'
import { createLinkChallenge, latestChallengeWithAddress, openLinkChallenge, spendLinkChallenge, type ChallengePurpose } from './linkChallenges.ts'
import { describeIdentity, linkMessage } from './linkMessage.ts'
import { decideMerge, expireMergeRequests, openMergeRequest, type MergeDecision } from './MergeRequests.ts'
import { utcMinute } from '../time/utcMinute.ts'
import { echoInput } from '../errors/echoInput.ts'


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
  purpose: ChallengePurpose
  identity: string
  expiresAt: number
  address: Address | null
  /** Present when an address is known: the exact text to sign. */
  message: string | null
}

export interface LinkOutcome {
  /** linked: the wallet is this account's now; merge_pending: it belongs to another account, which must approve; unfrozen. */
  status: 'linked' | 'merge_pending' | 'unfrozen'
  address: Address
  /** The identity's account after the change. */
  accountId: number
  /** True when another account was folded in at once (one made by a node agent's registration). */
  merged: boolean
  claimed: bigint
  mergeRequestId: string | null
  /** One sentence for the page and the chat. */
  message: string
}

/** Sign-In with Ethereum: a chat identity proves it controls a wallet. A signature
 *  alone never hands one account to another: that waits for approvals (MergeRequests). */
export class WalletLinking {
  constructor(private readonly deps: WalletLinkingDeps) {}

  /** /link (and /unfreeze): a single-use, 10-minute request bound to this identity. */
  createChallenge({ identityId, address, purpose = 'link' }: { identityId: number; address?: string; purpose?: ChallengePurpose }): ChallengeView {
    const checked = address === undefined ? null : parseAddress(address)
    const { token, challenge } = createLinkChallenge(this.deps.db, { identityId, address: checked, purpose, now: this.deps.clock() })
    return this.view(token, challenge)
  }

  /** /unfreeze: only a frozen account gets a request. */
  createUnfreezeChallenge({ identityId, accountId, address }: { identityId: number; accountId: number; address?: string }): ChallengeView {
    const frozenAt = this.frozenAt(accountId)
    if (frozenAt === null) throw new UserError('Your account is not frozen; nothing to unfreeze.', 'NOT_FROZEN')
    return this.createChallenge({ identityId, address, purpose: 'unfreeze' })
  }

  /** What the signing page shows: the identity being linked and, given an address, the message. */
  describeChallenge(token: string, address?: string): ChallengeView {
    const challenge = openLinkChallenge(this.deps.db, token, this.deps.clock())
    return this.view(token, { ...challenge, address: address === undefined ? challenge.address : parseAddress(address) })
  }

  /** /verify <signature>: the by-hand path for the latest request with an address. */
  async verifyLatest({ identityId, signature }: { identityId: number; signature: string }): Promise<LinkOutcome> {
    const challenge = latestChallengeWithAddress(this.deps.db, identityId, this.deps.clock())
    return this.verifyChallenge(challenge, { signature, address: challenge.address! })
  }

  /** The signing page's POST. @throws UserError for expired, replayed, wrong-domain, wrong-chain, wrong-address and malformed input */
  async verify(params: { token: string; signature: string; address?: string; message?: string }): Promise<LinkOutcome> {
    return this.verifyChallenge(openLinkChallenge(this.deps.db, params.token, this.deps.clock()), params)
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
    if (held > 0n) throw new UserError(`You have ${this.deps.units.display(held)} in escrow for running rentals; unlink after they end.`, 'WALLET_IN_USE')
    const blocker = this.deps.unlinkBlocker?.(accountId, checked)
    if (blocker) throw new UserError(blocker, 'WALLET_IN_USE')
    // While frozen the owner's wallets are what unfreezes it: nobody may remove them.
    assertNotFrozen(this.deps.db, accountId, 'unlinking')
    this.deps.db.transaction((tx) => {
      tx.delete(wallets).where(eq(wallets.address, checked)).run()
      recordSecurityChange(tx, { accountId, kind: 'wallet_unlinked', detail: `Wallet ${checked} was unlinked.`, now: this.deps.clock() })
    })
    return checked
  }

  /** The Approve / Deny buttons of a merge request, pressed by a member of `accountId`. */
  decideMerge(params: { requestId: string; accountId: number; approve: boolean }): MergeDecision {
    return decideMerge(this.deps, params)
  }

  /** Scheduler: merge requests past 24 hours end with nothing changed. */
  expireMergeRequests(): number {
    return expireMergeRequests(this.deps)
  }

  /** /freeze and the Freeze my account button. */
  freeze(accountId: number): { frozenAt: number; already: boolean } {
    return freezeAccount(this.deps.db, { accountId, now: this.deps.clock() })
  }

  private async verifyChallenge(challenge: LinkChallenge, params: { signature: string; address?: string; message?: string }): Promise<LinkOutcome> {
    const signature = parseSignature(params.signature)
    const identity = this.identity(challenge.identityId)
    const message = params.message ?? this.expectedMessage(challenge, identity, params.address)
    const parsed = parseSiweMessage(message)
    const domain = new URL(this.deps.publicUrl).host
    const again = challenge.purpose === 'unfreeze' ? '/unfreeze' : '/link'
    if (!parsed.address || !parsed.nonce || !parsed.domain) throw new UserError(`The signed text is not a Sign-In with Ethereum message; sign the message from ${again}.`, 'BAD_MESSAGE')
    if (parsed.domain !== domain) throw new UserError(`The signed message is for ${parsed.domain}, not ${domain}; sign the message from ${again}.`, 'WRONG_DOMAIN')
    if (parsed.chainId !== this.deps.chainId)
      throw new UserError(`The signed message is for chain ${parsed.chainId}, not ${this.deps.chainId}; sign the message from ${again}.`, 'WRONG_CHAIN')
    if (parsed.nonce !== challenge.nonce) throw new UserError(`The signed message belongs to another ${challenge.purpose} request; sign the message from this ${again}.`, 'WRONG_NONCE')
    if (message !== this.messageFor(challenge, identity, parsed.address))
      throw new UserError(`The signed message was changed; sign the message from ${again} exactly as given.`, 'ALTERED_MESSAGE')
    const valid = await this.deps.verifySiweMessage({ message, signature, domain, nonce: challenge.nonce, time: new Date(this.deps.clock()) })
    if (!valid) throw new UserError(`The signature does not match the address ${parsed.address}; sign with that wallet.`, 'BAD_SIGNATURE')
    const address = getAddress(parsed.address)
    return challenge.purpose === 'unfreeze' ? this.unfreeze(challenge, identity, address) : this.link(challenge, identity, address)
  }

  private link(challenge: LinkChallenge, identity: ChatIdentity, address: Address): LinkOutcome {
    const { db, ledger } = this.deps
    const now = this.deps.clock()
    const who = describeIdentity(identity)
    return db.transaction((tx) => {
      spendLinkChallenge(tx, challenge, now)
      // Read again inside the transaction: a merge may have moved this identity while the signature was checked.
      const accountId = tx.select({ accountId: chatIdentities.accountId }).from(chatIdentities).where(eq(chatIdentities.id, identity.id)).get()!.accountId
      const existing = tx.select().from(wallets).where(eq(wallets.address, address)).get()
      const base = { address, claimed: 0n, mergeRequestId: null, merged: false }
      if (existing && existing.accountId === accountId) {
        return { ...base, status: 'linked' as const, accountId, message: `${address} was already linked to ${who}; nothing changed.` }
      }
      const hours = securityHoldMs(tx) / 3600_000
      if (existing) {
        const request = openMergeRequest({ db: tx, ledger, clock: this.deps.clock }, { requester: identity, requesterAccountId: accountId, targetAccountId: existing.accountId, address, now })
        const awaiting = JSON.parse(request.awaiting) as number[]
        const owner = awaiting.includes(existing.accountId)
        const whoApproves = owner ? 'you and its owner must approve' : 'you must approve'
        return {
          ...base,
          status: 'merge_pending' as const,
          accountId,
          mergeRequestId: request.id,
          message: `${address} already belongs to another Gridshare account, so nothing changed yet: ${whoApproves} in chat by ${utcMinute(request.expiresAt)}.`,
        }
      }
      tx.insert(wallets).values({ address, accountId, linkedByIdentityId: identity.id, linkedAt: now }).run()
      recordSecurityChange(tx, { accountId, kind: 'wallet_linked', detail: `Wallet ${address} was linked by ${who}.`, now })
      const claimed = this.claimDeposits(tx, address, accountId, challenge, now)
      return { ...base, status: 'linked' as const, accountId, claimed, message: `Linked ${address} to ${who}; your chat has been told, and withdrawals wait ${hours} hours after this change.` }
    })
  }

  /** A wallet linked before the freeze proves the owner asked; anything else is refused. */
  private unfreeze(challenge: LinkChallenge, identity: ChatIdentity, address: Address): LinkOutcome {
    const { db } = this.deps
    const now = this.deps.clock()
    return db.transaction((tx) => {
      spendLinkChallenge(tx, challenge, now)
      const accountId = tx.select({ accountId: chatIdentities.accountId }).from(chatIdentities).where(eq(chatIdentities.id, identity.id)).get()!.accountId
      const frozenAt = this.frozenAt(accountId, tx)
      if (frozenAt === null) throw new UserError('Your account is not frozen; nothing to unfreeze.', 'NOT_FROZEN')
      const wallet = tx.select().from(wallets).where(eq(wallets.address, address)).get()
      // A wallet the account held for a whole hold before the freeze: a thief's fresh wallet,
      // the change the owner froze against, cannot lift it.
      const hold = securityHoldMs(tx)
      if (!wallet || wallet.accountId !== accountId || wallet.linkedAt + hold > frozenAt)
        throw new UserError(
          `${address} is not a wallet your account held for ${hold / 3600_000} hours before the freeze at ${utcMinute(frozenAt)}; sign with one that was (see /wallet).`,
          'WRONG_UNFREEZE_WALLET',
        )
      tx.update(accounts).set({ frozenAt: null }).where(eq(accounts.id, accountId)).run()
      const { holdUntil } = recordSecurityChange(tx, { accountId, kind: 'unfrozen', detail: `The account was unfrozen with a signature from ${address}, asked by ${describeIdentity(identity)}.`, now })
      return {
        status: 'unfrozen' as const,
        address,
        accountId,
        merged: false,
        claimed: 0n,
        mergeRequestId: null,
        message: `Your account is unfrozen; withdrawals wait until ${utcMinute(holdUntil)} after this change.`,
      }
    })
  }

  /** Deposits sent from the wallet before anyone linked it are credited to its account now. */
  private claimDeposits(tx: Db, address: Address, accountId: number, challenge: LinkChallenge, now: number): bigint {
    let claimed = 0n
    const unclaimed = tx
      .select()
      .from(deposits)
      .where(and(eq(deposits.fromAddress, address), eq(deposits.status, 'unclaimed')))
      .all()
    for (const deposit of unclaimed) {
      const amount = BigInt(deposit.amount)
      this.deps.ledger.post({
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
        dedupeKey: `deposit.claimed:${address}:${challenge.tokenHash}`,
        accountId,
        topic: 'payments',
        reply: { text: `Deposits of ${this.deps.units.display(claimed)} sent from ${address} before you linked it are now in your balance.` },
        now,
      })
    }
    return claimed
  }

  private frozenAt(accountId: number, db: Db = this.deps.db): number | null {
    return db.select({ frozenAt: accounts.frozenAt }).from(accounts).where(eq(accounts.id, accountId)).get()?.frozenAt ?? null
  }

  private identity(identityId: number): ChatIdentity {
    return this.deps.db.select().from(chatIdentities).where(eq(chatIdentities.id, identityId)).get()!
  }

  private expectedMessage(challenge: LinkChallenge, identity: ChatIdentity, address?: string): string {
    const signer = address === undefined ? challenge.address : parseAddress(address)
    const again = challenge.purpose === 'unfreeze' ? '/unfreeze' : '/link'
    if (!signer) throw new UserError(`Say which wallet signed: run ${again} <your wallet address> first.`, 'NO_ADDRESS')
    return this.messageFor(challenge, identity, signer)
  }

  private messageFor(challenge: LinkChallenge, identity: ChatIdentity, address: string): string {
    return linkMessage({ challenge, identity, address: address as Address, publicUrl: this.deps.publicUrl, chainId: this.deps.chainId })
  }

  private view(token: string, challenge: LinkChallenge): ChallengeView {
    const identity = this.identity(challenge.identityId)
    const address = (challenge.address as Address | null) ?? null
    return {
      token,
      url: `${this.deps.publicUrl}/link/${token}`,
      purpose: challenge.purpose,
      identity: describeIdentity(identity),
      expiresAt: challenge.expiresAt,
      address,
      message: address ? this.messageFor(challenge, identity, address) : null,
    }
  }
}

export function parseAddress(text: string): Address {
  const trimmed = text.trim()
  if (!isAddress(trimmed, { strict: false })) throw new UserError(`"${echoInput(trimmed)}" is not a wallet address; expected 0x followed by 40 hex digits.`, 'BAD_ADDRESS')
  return getAddress(trimmed)
}

function parseSignature(text: string): Hex {
  const trimmed = text.trim()
  if (!isHex(trimmed) || trimmed.length < 132 || trimmed.length % 2 !== 0)
    throw new UserError('That is not a signature; expected 0x followed by 130 hex digits (longer for smart-contract wallets).', 'BAD_SIGNATURE')
  return trimmed
}
