import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { getAddress } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createSiweMessage, parseSiweMessage } from 'viem/siwe'
import { testSmartWalletArtifact } from '../../src/chain/contractArtifacts.ts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { hashToken } from '../../src/identity/linkChallenges.ts'
import { WalletLinking } from '../../src/identity/WalletLinking.ts'
import { escrow } from '../../src/ledger/balanceKeys.ts'
import { deployDevContracts, startTestChain, type TestChain } from '../chain/testChain.ts'
import { createSecurityKit, HOUR, T0 } from './securityKit.ts'

// The branches of WalletLinking that decide who controls money and that the first
// tests left open (issue 17): expiry and reuse boundaries, the wrong user, the
// unfreeze wording and hold boundary, input tidying, error codes (the deposit claim
// on linking: depositClaimOnLink.test.ts).

let chain: TestChain
let dev: EnsureDevChainReturnType
const [, alice, bob] = devAccounts(3).map((a) => privateKeyToAccount(a.privateKey))
const owner = { platform: 'telegram' as const, id: '100', name: '@owner' }
const mallory = { platform: 'telegram' as const, id: '666', name: '@mallory' }

beforeAll(async () => {
  chain = await startTestChain()
  dev = await deployDevContracts(chain)
})
afterAll(() => chain?.stop())

/** The outcome or the error, so either can be matched exactly. */
const refusal = (promise: Promise<unknown>) => promise.then((value) => value, (error: unknown) => error)
const thrown = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    return error
  }
  return 'no error'
}

/** A message the signer changed before signing: parsed, changed, rebuilt. */
function tamper(message: string, change: Record<string, unknown>): string {
  return createSiweMessage({ ...parseSiweMessage(message), ...change } as Parameters<typeof createSiweMessage>[0])
}

describe('link requests: expiry and reuse', () => {
  test('a request answers until one millisecond before its 10 minutes end, and not at the end', async () => {
    const k = createSecurityKit(chain, dev)
    const { identityId, accountId } = k.identity(owner)
    const late = k.linking.createChallenge({ identityId, address: alice!.address })
    // What /link hands the user: the signing page's URL carries the token, which is stored only hashed.
    expect(late).toMatchObject({
      url: `http://localhost:8787/link/${late.token}`,
      purpose: 'link',
      identity: 'Telegram user @owner (id 100)',
      expiresAt: T0 + 10 * 60_000,
      address: alice!.address,
    })
    const signature = await alice!.signMessage({ message: late.message! })
    k.clock.now = T0 + 10 * 60_000
    expect(await refusal(k.linking.verify({ token: late.token, signature }))).toMatchObject({
      code: 'CHALLENGE_EXPIRED',
      userMessage: 'This link request expired (they last 10 minutes); run /link again.',
    })
    expect(k.linking.listWallets(accountId)).toEqual([])

    const onTime = k.linking.createChallenge({ identityId, address: alice!.address })
    k.clock.now += 10 * 60_000 - 1
    const outcome = await k.linking.verify({ token: onTime.token, signature: await alice!.signMessage({ message: onTime.message! }) })
    expect(outcome).toMatchObject({ status: 'linked', address: alice!.address, accountId })
  })

  test('error: a used request is refused with its code, and an unfreeze request says /unfreeze', async () => {
    const k = createSecurityKit(chain, dev)
    const { identityId, accountId } = k.identity(owner)
    const link = k.linking.createChallenge({ identityId, address: alice!.address })
    const signature = await alice!.signMessage({ message: link.message! })
    await k.linking.verify({ token: link.token, signature })
    expect(await refusal(k.linking.verify({ token: link.token, signature }))).toMatchObject({
      code: 'CHALLENGE_USED',
      userMessage: 'This link request was already used; run /link again.',
    })
    k.clock.now = T0 + 30 * HOUR
    k.linking.freeze(accountId)
    const unfreeze = k.linking.createUnfreezeChallenge({ identityId, accountId, address: alice!.address })
    const unfreezeSignature = await alice!.signMessage({ message: unfreeze.message! })
    expect(await k.linking.verify({ token: unfreeze.token, signature: unfreezeSignature })).toMatchObject({ status: 'unfrozen' })
    expect(await refusal(k.linking.verify({ token: unfreeze.token, signature: unfreezeSignature }))).toMatchObject({
      code: 'CHALLENGE_USED',
      userMessage: 'This unfreeze request was already used; run /unfreeze again.',
    })
  })

  test('error: a token nobody issued', async () => {
    const k = createSecurityKit(chain, dev)
    expect(thrown(() => k.linking.describeChallenge('not-a-token'))).toMatchObject({
      code: 'NO_CHALLENGE',
      userMessage: 'This link request does not exist; run /link to get a new one.',
    })
  })
})

describe("the wrong user: attacker's cases", () => {
  test("Mallory submits Alice's signature of Alice's request as his own /verify: refused, nothing linked, Alice's request still links", async () => {
    const k = createSecurityKit(chain, dev)
    const victim = k.identity(owner)
    const attacker = k.identity(mallory)
    const own = k.linking.createChallenge({ identityId: victim.identityId, address: alice!.address })
    k.linking.createChallenge({ identityId: attacker.identityId, address: alice!.address })
    const signature = await alice!.signMessage({ message: own.message! })
    expect(await refusal(k.linking.verifyLatest({ identityId: attacker.identityId, signature }))).toMatchObject({
      code: 'BAD_SIGNATURE',
      userMessage: `The signature does not match the address ${alice!.address}; sign with that wallet.`,
    })
    expect(k.linking.listWallets(attacker.accountId)).toEqual([])
    expect(k.sqlite.prepare('select count(*) as n from wallets').get()).toEqual({ n: 0 })
    expect(await k.linking.verifyLatest({ identityId: victim.identityId, signature })).toMatchObject({ status: 'linked', accountId: victim.accountId })
    expect(k.linking.listWallets(attacker.accountId)).toEqual([])
  })

  test('Mallory rewrites the statement to name himself: the message no longer matches the request', async () => {
    const k = createSecurityKit(chain, dev)
    const attacker = k.identity(mallory)
    const challenge = k.linking.createChallenge({ identityId: attacker.identityId, address: alice!.address })
    // Alice is shown a message that names the victim; the server must rebuild its own and compare.
    const shown = tamper(challenge.message!, { statement: 'Link this wallet to Telegram user @owner (id 100) on Gridshare.' })
    const signature = await alice!.signMessage({ message: shown })
    expect(await refusal(k.linking.verify({ token: challenge.token, signature, message: shown }))).toMatchObject({
      code: 'ALTERED_MESSAGE',
      userMessage: 'The signed message was changed; sign the message from /link exactly as given.',
    })
    expect(k.sqlite.prepare('select count(*) as n from wallets').get()).toEqual({ n: 0 })
  })

  test('error: a smart-contract wallet (EIP-1271) refuses a signature from a key that does not own it', async () => {
    const k = createSecurityKit(chain, dev)
    const hash = await chain.walletClient.deployContract({ ...testSmartWalletArtifact, args: [bob!.address] })
    const walletAddress = getAddress((await chain.publicClient.waitForTransactionReceipt({ hash })).contractAddress!)
    const { identityId, accountId } = k.identity(mallory)
    const challenge = k.linking.createChallenge({ identityId, address: walletAddress })
    const signature = await alice!.signMessage({ message: challenge.message! })
    expect(await refusal(k.linking.verify({ token: challenge.token, signature }))).toMatchObject({
      code: 'BAD_SIGNATURE',
      userMessage: `The signature does not match the address ${walletAddress}; sign with that wallet.`,
    })
    expect(k.linking.listWallets(accountId)).toEqual([])
    // The owner's key makes the same request link, through the contract's isValidSignature.
    const owned = await k.linking.verify({ token: challenge.token, signature: await bob!.signMessage({ message: challenge.message! }) })
    expect(owned).toMatchObject({ status: 'linked', address: walletAddress, accountId })
  })
})

describe('what a signed text must be', () => {
  test.each([
    ['no nonce', (m: string) => m.replace(/\nNonce: .*/, '')],
    ['no domain', (m: string) => m.replace(/^.* wants you/, ' wants you')],
    ['no address', (m: string) => m.replace(/\n0x[0-9a-fA-F]{40}\n/, '\n\n')],
    ['not SIWE at all', () => 'please link me'],
  ])('error: %s is not a Sign-In with Ethereum message', async (_name, mangle) => {
    const k = createSecurityKit(chain, dev)
    const { identityId } = k.identity(owner)
    const challenge = k.linking.createChallenge({ identityId, address: alice!.address })
    const message = mangle(challenge.message!)
    const signature = await alice!.signMessage({ message })
    expect(await refusal(k.linking.verify({ token: challenge.token, signature, message }))).toMatchObject({
      code: 'BAD_MESSAGE',
      userMessage: 'The signed text is not a Sign-In with Ethereum message; sign the message from /link.',
    })
  })

  test.each([
    ['wrong domain', { domain: 'evil.example' }, 'WRONG_DOMAIN', 'The signed message is for evil.example, not localhost:8787; sign the message from /unfreeze.'],
    ['wrong chain', { chainId: 1 }, 'WRONG_CHAIN', 'The signed message is for chain 1, not 31337; sign the message from /unfreeze.'],
    ['altered', { statement: 'Something else' }, 'ALTERED_MESSAGE', 'The signed message was changed; sign the message from /unfreeze exactly as given.'],
  ])('error: an unfreeze message with a %s is refused in /unfreeze words, and the account stays frozen', async (_name, change, code, text) => {
    const k = createSecurityKit(chain, dev)
    await k.link(owner, alice!)
    const { identityId, accountId } = k.identity(owner)
    k.clock.now = T0 + 30 * HOUR
    k.linking.freeze(accountId)
    const challenge = k.linking.createUnfreezeChallenge({ identityId, accountId, address: alice!.address })
    const message = tamper(challenge.message!, change)
    const signature = await alice!.signMessage({ message })
    expect(await refusal(k.linking.verify({ token: challenge.token, signature, message }))).toMatchObject({ code, userMessage: text })
    expect(k.sqlite.prepare('select frozen_at as f from accounts where id = ?').get(accountId)).toEqual({ f: T0 + 30 * HOUR })
  })

  test('error: an unfreeze text that is not SIWE is refused in /unfreeze words', async () => {
    const k = createSecurityKit(chain, dev)
    await k.link(owner, alice!)
    const { identityId, accountId } = k.identity(owner)
    k.linking.freeze(accountId)
    const challenge = k.linking.createUnfreezeChallenge({ identityId, accountId, address: alice!.address })
    const signature = await alice!.signMessage({ message: 'unfreeze me' })
    expect(await refusal(k.linking.verify({ token: challenge.token, signature, message: 'unfreeze me' }))).toMatchObject({
      code: 'BAD_MESSAGE',
      userMessage: 'The signed text is not a Sign-In with Ethereum message; sign the message from /unfreeze.',
    })
  })

  test('error: no address known and none given: the user is told to name the wallet', async () => {
    const k = createSecurityKit(chain, dev)
    await k.link(owner, alice!)
    const { identityId, accountId } = k.identity(owner)
    const link = k.linking.createChallenge({ identityId })
    const signature = await alice!.signMessage({ message: 'anything' })
    expect(await refusal(k.linking.verify({ token: link.token, signature }))).toMatchObject({
      code: 'NO_ADDRESS',
      userMessage: 'Say which wallet signed: run /link <your wallet address> first.',
    })
    k.linking.freeze(accountId)
    const unfreeze = k.linking.createUnfreezeChallenge({ identityId, accountId })
    expect(unfreeze).toMatchObject({ purpose: 'unfreeze', address: null, message: null })
    expect(await refusal(k.linking.verify({ token: unfreeze.token, signature }))).toMatchObject({
      code: 'NO_ADDRESS',
      userMessage: 'Say which wallet signed: run /unfreeze <your wallet address> first.',
    })
  })

  test('an address typed with spaces and in lower case is accepted and stored checksummed; a signature pasted with spaces too', async () => {
    const k = createSecurityKit(chain, dev)
    const { identityId, accountId } = k.identity(owner)
    const challenge = k.linking.createChallenge({ identityId, address: `  ${alice!.address.toLowerCase()}\n` })
    expect(challenge.address).toBe(alice!.address)
    expect(parseSiweMessage(challenge.message!).address).toBe(alice!.address)
    const signature = await alice!.signMessage({ message: challenge.message! })
    const outcome = await k.linking.verifyLatest({ identityId, signature: ` ${signature}\n` })
    expect(outcome).toMatchObject({ status: 'linked', address: alice!.address })
    expect(k.linking.unlink({ accountId, address: ` ${alice!.address.toLowerCase()} ` })).toBe(alice!.address)
    expect(k.linking.listWallets(accountId)).toEqual([])
  })

  test('an address whose letter case breaks its checksum is still taken (the case proves nothing) and stored checksummed', () => {
    const k = createSecurityKit(chain, dev)
    const { identityId } = k.identity(owner)
    // Alice's address with the case of every letter flipped: mixed case, wrong EIP-55 checksum.
    const flipped = `0x${alice!.address.slice(2).replace(/[a-fA-F]/g, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()))}`
    expect(flipped).not.toBe(alice!.address)
    expect(flipped.toLowerCase()).toBe(alice!.address.toLowerCase())
    expect(k.linking.createChallenge({ identityId, address: flipped }).address).toBe(alice!.address)
  })

  test('error: a bad address is quoted trimmed and cut at 60 characters', () => {
    const k = createSecurityKit(chain, dev)
    const { identityId } = k.identity(owner)
    const long = `0x${'g'.repeat(60)}`
    expect(thrown(() => k.linking.createChallenge({ identityId, address: `  ${long}  ` }))).toMatchObject({
      code: 'BAD_ADDRESS',
      userMessage: `"${long.slice(0, 59)}…" is not a wallet address; expected 0x followed by 40 hex digits.`,
    })
  })

  test.each([
    ['64 bytes', `0x${'ab'.repeat(64)}`],
    ['an odd number of digits', `0x${'ab'.repeat(65)}c`],
  ])('error: a signature of %s is not a signature', async (_name, signature) => {
    const k = createSecurityKit(chain, dev)
    const { identityId } = k.identity(owner)
    k.linking.createChallenge({ identityId, address: alice!.address })
    expect(await refusal(k.linking.verifyLatest({ identityId, signature }))).toMatchObject({
      code: 'BAD_SIGNATURE',
      userMessage: 'That is not a signature; expected 0x followed by 130 hex digits (longer for smart-contract wallets).',
    })
  })
})

describe('linking again, unlinking', () => {
  test('a wallet already linked to the same account: nothing changes, no second security change', async () => {
    const k = createSecurityKit(chain, dev)
    await k.link(owner, alice!)
    const { accountId } = k.identity(owner)
    k.clock.now = T0 + HOUR
    const again = await k.link(owner, alice!)
    expect(again).toEqual({
      status: 'linked',
      address: alice!.address,
      accountId,
      merged: false,
      claimed: 0n,
      mergeRequestId: null,
      message: `${alice!.address} was already linked to Telegram user @owner (id 100); nothing changed.`,
    })
    expect(k.sqlite.prepare('select kind, created_at as at from security_events').all()).toEqual([{ kind: 'wallet_linked', at: T0 }])
    expect(k.sqlite.prepare('select security_hold_until as h from accounts where id = ?').get(accountId)).toEqual({ h: T0 + 24 * HOUR })
  })

  test('unlinking records a wallet_unlinked change; refusals carry their codes', async () => {
    const k = createSecurityKit(chain, dev)
    await k.link(owner, alice!)
    const { accountId } = k.identity(owner)
    expect(thrown(() => k.linking.unlink({ accountId, address: bob!.address }))).toMatchObject({
      code: 'NOT_YOUR_WALLET',
      userMessage: `${bob!.address} is not linked to your account; /wallet lists yours.`,
    })
    const blocked = new WalletLinking({ ...k.linkingDeps, unlinkBlocker: () => 'Something still needs it.' })
    expect(thrown(() => blocked.unlink({ accountId, address: alice!.address }))).toMatchObject({ code: 'WALLET_IN_USE', userMessage: 'Something still needs it.' })
    k.fund(accountId, 5n, escrow(accountId))
    expect(thrown(() => k.linking.unlink({ accountId, address: alice!.address }))).toMatchObject({
      code: 'WALLET_IN_USE',
      userMessage: 'You have < 0.000001 GRID in escrow for running rentals; unlink after they end.',
    })
    expect(k.linking.listWallets(accountId)).toHaveLength(1)
    k.fund(accountId, -5n, escrow(accountId))
    k.clock.now = T0 + HOUR
    expect(k.linking.unlink({ accountId, address: alice!.address })).toBe(alice!.address)
    expect(k.sqlite.prepare('select kind, created_at as at from security_events order by id').all()).toEqual([
      { kind: 'wallet_linked', at: T0 },
      { kind: 'wallet_unlinked', at: T0 + HOUR },
    ])
  })
})

describe('unfreezing: who may lift a freeze', () => {
  async function frozenOwner(freezeAt: number) {
    const k = createSecurityKit(chain, dev)
    await k.link(owner, alice!)
    const { identityId, accountId } = k.identity(owner)
    k.clock.now = freezeAt
    k.linking.freeze(accountId)
    const sign = async () => {
      const challenge = k.linking.createUnfreezeChallenge({ identityId, accountId, address: alice!.address })
      return refusal(k.linking.verify({ token: challenge.token, signature: await alice!.signMessage({ message: challenge.message! }) }))
    }
    return { k, identityId, accountId, sign }
  }

  test('a wallet linked exactly the hold (24 hours) before the freeze lifts it', async () => {
    const { k, accountId, sign } = await frozenOwner(T0 + 24 * HOUR)
    expect(await sign()).toMatchObject({ status: 'unfrozen', address: alice!.address, accountId, merged: false, claimed: 0n, mergeRequestId: null })
    expect(k.sqlite.prepare('select frozen_at as f from accounts where id = ?').get(accountId)).toEqual({ f: null })
    expect(k.sqlite.prepare('select kind from security_events order by id').all()).toEqual([{ kind: 'wallet_linked' }, { kind: 'frozen' }, { kind: 'unfrozen' }])
  })

  test('error: one millisecond less than the hold before the freeze does not', async () => {
    const { k, accountId, sign } = await frozenOwner(T0 + 24 * HOUR - 1)
    expect(await sign()).toMatchObject({
      code: 'WRONG_UNFREEZE_WALLET',
      userMessage: `${alice!.address} is not a wallet your account held for 24 hours before the freeze at 2026-12-01 08:59 UTC; sign with one that was (see /wallet).`,
    })
    expect(k.sqlite.prepare('select frozen_at as f from accounts where id = ?').get(accountId)).toEqual({ f: T0 + 24 * HOUR - 1 })
  })

  test("error: another account's long-held wallet cannot lift the freeze", async () => {
    const k = createSecurityKit(chain, dev)
    await k.link(owner, alice!)
    await k.link(mallory, bob!)
    const { identityId, accountId } = k.identity(owner)
    k.clock.now = T0 + 48 * HOUR
    k.linking.freeze(accountId)
    const challenge = k.linking.createUnfreezeChallenge({ identityId, accountId, address: bob!.address })
    const outcome = await refusal(k.linking.verify({ token: challenge.token, signature: await bob!.signMessage({ message: challenge.message! }) }))
    expect(outcome).toMatchObject({ code: 'WRONG_UNFREEZE_WALLET' })
    expect(k.sqlite.prepare('select frozen_at as f from accounts where id = ?').get(accountId)).toEqual({ f: T0 + 48 * HOUR })
  })

  test('error: a second unfreeze request after the account was unfrozen is refused, and stays unspent', async () => {
    const { k, identityId, accountId } = await frozenOwner(T0 + 30 * HOUR)
    expect(thrown(() => k.linking.createUnfreezeChallenge({ identityId: identityId + 99, accountId: accountId + 99 }))).toMatchObject({
      code: 'NOT_FROZEN',
      userMessage: 'Your account is not frozen; nothing to unfreeze.',
    })
    const first = k.linking.createUnfreezeChallenge({ identityId, accountId, address: alice!.address })
    const second = k.linking.createUnfreezeChallenge({ identityId, accountId, address: alice!.address })
    await k.linking.verify({ token: first.token, signature: await alice!.signMessage({ message: first.message! }) })
    expect(await refusal(k.linking.verify({ token: second.token, signature: await alice!.signMessage({ message: second.message! }) }))).toMatchObject({
      code: 'NOT_FROZEN',
      userMessage: 'Your account is not frozen; nothing to unfreeze.',
    })
    expect(k.sqlite.prepare('select used_at as u from link_challenges where token_hash = ?').get(hashToken(second.token))).toEqual({ u: null })
  })
})
