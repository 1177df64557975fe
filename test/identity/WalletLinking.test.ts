import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { privateKeyToAccount } from 'viem/accounts'
import { createSiweMessage, parseSiweMessage } from 'viem/siwe'
import { getAddress } from 'viem'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import { testSmartWalletArtifact } from '../../src/chain/contractArtifacts.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { available, escrow, system } from '../../src/ledger/balanceKeys.ts'
import { checkLedger } from '../../src/ledger/checkLedger.ts'
import { WalletLinking } from '../../src/identity/WalletLinking.ts'
import { providerUnlinkBlocker } from '../../src/market/providerUnlinkBlocker.ts'
import { deployDevContracts, startTestChain, type TestChain } from '../chain/testChain.ts'
import { createMoneyHarness } from '../support/moneyHarness.ts'

let chain: TestChain
let dev: EnsureDevChainReturnType
const [, alice, bob] = devAccounts(3).map((a) => privateKeyToAccount(a.privateKey))
const aliceTelegram = { platform: 'telegram' as const, id: '12345', name: '@alice' }
const aliceDiscord = { platform: 'discord' as const, id: '987654321', name: 'alice' }

beforeAll(async () => {
  chain = await startTestChain()
  dev = await deployDevContracts(chain)
})
afterAll(() => chain?.stop())

function setup(clock?: () => number) {
  const harness = createMoneyHarness(chain, dev, { clock })
  return { ...harness, checked: () => expect(checkLedger(harness.sqlite)).toEqual([]) }
}

describe('linking a wallet with Sign-In with Ethereum', () => {
  test('an EOA links by hand: /link <address>, sign, /verify', async () => {
    const h = setup()
    const { identityId, accountId } = h.identity(aliceTelegram)
    const challenge = h.linking.createChallenge({ identityId, address: alice!.address })
    const parsed = parseSiweMessage(challenge.message!)
    expect(parsed).toMatchObject({
      domain: 'localhost:8787',
      address: alice!.address,
      statement:
        "Link this wallet to Telegram user @alice (id 12345) on Gridshare. If that is not you, close this page: signing gives that chat user control over this wallet's Gridshare account.",
      // The nonce names the request: the URL's token is not in the message, and is stored only hashed.
      uri: 'http://localhost:8787/link',
      chainId: 31337,
      version: '1',
    })
    expect(parsed.nonce).toMatch(/^[0-9a-f]{32}$/)
    expect(parsed.expirationTime!.getTime() - parsed.issuedAt!.getTime()).toBe(10 * 60_000)
    const signature = await alice!.signMessage({ message: challenge.message! })
    const outcome = await h.linking.verifyLatest({ identityId, signature })
    expect(outcome).toEqual({
      status: 'linked',
      address: alice!.address,
      accountId,
      merged: false,
      claimed: 0n,
      mergeRequestId: null,
      message: `Linked ${alice!.address} to Telegram user @alice (id 12345); your chat has been told, and withdrawals wait 24 hours after this change.`,
    })
    expect(h.sqlite.prepare('select token_hash as t from link_challenges').all()).toEqual([{ t: createHash('sha256').update(challenge.token).digest('hex') }])
    expect(h.linking.listWallets(accountId).map((w) => w.address)).toEqual([alice!.address])
    h.checked()
  })

  test('a smart-contract wallet (EIP-1271) links', async () => {
    const h = setup()
    const hash = await chain.walletClient.deployContract({ ...testSmartWalletArtifact, args: [bob!.address] })
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash })
    const walletAddress = getAddress(receipt.contractAddress!)
    const { identityId, accountId } = h.identity({ platform: 'discord', id: '55', name: 'bobdao' })
    const challenge = h.linking.createChallenge({ identityId, address: walletAddress })
    const signature = await bob!.signMessage({ message: challenge.message! })
    const outcome = await h.linking.verify({ token: challenge.token, signature, address: walletAddress })
    expect(outcome.address).toBe(walletAddress)
    expect(h.linking.listWallets(accountId).map((w) => w.address)).toEqual([walletAddress])
  })

  test('error: a replayed signature is refused', async () => {
    const h = setup()
    const { identityId } = h.identity(aliceTelegram)
    const challenge = h.linking.createChallenge({ identityId, address: alice!.address })
    const signature = await alice!.signMessage({ message: challenge.message! })
    await h.linking.verify({ token: challenge.token, signature })
    await expect(h.linking.verify({ token: challenge.token, signature })).rejects.toThrow('This link request was already used; run /link again.')
  })

  test('error: an expired challenge is refused and links nothing', async () => {
    let now = Date.now()
    const h = setup(() => now)
    const { identityId, accountId } = h.identity(aliceTelegram)
    const challenge = h.linking.createChallenge({ identityId, address: alice!.address })
    const signature = await alice!.signMessage({ message: challenge.message! })
    now += 10 * 60_000 + 1
    await expect(h.linking.verifyLatest({ identityId, signature })).rejects.toThrow('This link request expired (they last 10 minutes); run /link again.')
    expect(h.linking.listWallets(accountId)).toEqual([])
  })

  test.each([
    ['wrong domain', { domain: 'evil.example' }, 'The signed message is for evil.example, not localhost:8787; sign the message from /link.'],
    ['wrong chain', { chainId: 1 }, 'The signed message is for chain 1, not 31337; sign the message from /link.'],
    ['wrong nonce', { nonce: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }, 'The signed message belongs to another link request; sign the message from this /link.'],
    ['altered statement', { statement: 'Something else' }, 'The signed message was changed; sign the message from /link exactly as given.'],
  ])('error: %s', async (_name, change, message) => {
    const h = setup()
    const { identityId, accountId } = h.identity(aliceTelegram)
    const challenge = h.linking.createChallenge({ identityId, address: alice!.address })
    const tampered = createSiweMessage({ ...parseSiweMessage(challenge.message!), ...change } as Parameters<typeof createSiweMessage>[0])
    const signature = await alice!.signMessage({ message: tampered })
    await expect(h.linking.verify({ token: challenge.token, signature, message: tampered })).rejects.toThrow(message)
    expect(h.linking.listWallets(accountId)).toEqual([])
  })

  test('error: a message signed for one link request is refused on another (the nonce check), and the right request still links', async () => {
    const h = setup()
    const victim = h.identity(aliceTelegram)
    const attacker = h.identity({ platform: 'telegram', id: '666', name: '@mallory' })
    const own = h.linking.createChallenge({ identityId: victim.identityId, address: alice!.address })
    const stolenFor = h.linking.createChallenge({ identityId: attacker.identityId, address: alice!.address })
    // Alice signs her own request; the attacker replays her message and signature on his.
    const signature = await alice!.signMessage({ message: own.message! })
    const refused = await h.linking.verify({ token: stolenFor.token, signature, message: own.message! }).catch((error: unknown) => error)
    expect(refused).toMatchObject({
      code: 'WRONG_NONCE',
      userMessage: 'The signed message belongs to another link request; sign the message from this /link.',
    })
    expect(h.linking.listWallets(attacker.accountId)).toEqual([])
    expect(h.linking.listWallets(victim.accountId)).toEqual([])
    // A refusal spends nothing: the attacker's request refuses again the same way, Alice's own still links.
    await expect(h.linking.verify({ token: stolenFor.token, signature, message: own.message! })).rejects.toMatchObject({ code: 'WRONG_NONCE' })
    await h.linking.verify({ token: own.token, signature, message: own.message! })
    expect(h.linking.listWallets(victim.accountId).map((w) => w.address)).toEqual([alice!.address])
    expect(h.linking.listWallets(attacker.accountId)).toEqual([])
  })

  test('error: a signature from another wallet is refused', async () => {
    const h = setup()
    const { identityId } = h.identity(aliceTelegram)
    const challenge = h.linking.createChallenge({ identityId, address: alice!.address })
    const signature = await bob!.signMessage({ message: challenge.message! })
    await expect(h.linking.verifyLatest({ identityId, signature })).rejects.toThrow(
      `The signature does not match the address ${alice!.address}; sign with that wallet.`,
    )
  })

  test.each([['0x1234'], ['hello'], ['0x' + 'zz'.repeat(65)]])('error: malformed signature %s', async (signature) => {
    const h = setup()
    const { identityId } = h.identity(aliceTelegram)
    h.linking.createChallenge({ identityId, address: alice!.address })
    await expect(h.linking.verifyLatest({ identityId, signature })).rejects.toThrow(
      'That is not a signature; expected 0x followed by 130 hex digits (longer for smart-contract wallets).',
    )
  })

  test('error: a malformed address', () => {
    const h = setup()
    const { identityId } = h.identity(aliceTelegram)
    expect(() => h.linking.createChallenge({ identityId, address: '0xnothex' })).toThrow(
      '"0xnothex" is not a wallet address; expected 0x followed by 40 hex digits.',
    )
  })

  test('the same wallet from Discord and Telegram merges the two accounts and their balances once both approve', async () => {
    const h = setup()
    const telegram = h.identity(aliceTelegram)
    const discord = h.identity(aliceDiscord)
    h.ledger.post({
      kind: 'test.fund',
      idempotencyKey: 'fund-discord',
      entries: [{ key: system('treasury'), amount: -7n }, { key: available(discord.accountId), amount: 7n }],
      now: 1,
    })
    h.ledger.post({
      kind: 'test.earn',
      idempotencyKey: 'earn-discord',
      entries: [{ key: system('treasury'), amount: -3n }, { key: `account:${discord.accountId}:earnings`, amount: 3n }],
      now: 1,
    })
    h.sqlite.prepare("insert into alerts (id, account_id, model, gpu_count, created_at) values ('a1', ?, 'H100-80GB', 1, 1)").run(discord.accountId)
    h.sqlite.prepare("insert into notification_preferences (account_id, topic, enabled) values (?, 'governance', 0)").run(discord.accountId)
    for (const identity of [telegram, discord]) {
      const challenge = h.linking.createChallenge({ identityId: identity.identityId, address: alice!.address })
      await h.linking.verifyLatest({ identityId: identity.identityId, signature: await alice!.signMessage({ message: challenge.message! }) })
    }
    // The Discord account has funds of its own, so both accounts approve.
    const request = h.sqlite.prepare('select id, awaiting from merge_requests').get() as { id: string; awaiting: string }
    expect(JSON.parse(request.awaiting)).toEqual([telegram.accountId, discord.accountId])
    expect(h.linking.decideMerge({ requestId: request.id, accountId: telegram.accountId, approve: true }).status).toBe('waiting')
    expect(h.identity(aliceDiscord).accountId).toBe(discord.accountId)
    expect(h.linking.decideMerge({ requestId: request.id, accountId: discord.accountId, approve: true }).status).toBe('merged')
    expect(h.identity(aliceDiscord).accountId).toBe(telegram.accountId)
    expect(h.ledger.balancesOf(telegram.accountId).available).toBe(7n)
    expect(h.ledger.balancesOf(discord.accountId).available).toBe(0n)
    expect(h.ledger.earningsOf(telegram.accountId)).toBe(3n)
    expect(h.sqlite.prepare('select account_id as a from alerts').all()).toEqual([{ a: telegram.accountId }])
    expect(h.sqlite.prepare('select account_id as a, topic, enabled from notification_preferences').all()).toEqual([{ a: telegram.accountId, topic: 'governance', enabled: 0 }])
    h.checked()
  })

  test('error: unlink is refused while funds are in escrow', async () => {
    const h = setup()
    const { identityId, accountId } = h.identity(aliceTelegram)
    const challenge = h.linking.createChallenge({ identityId, address: alice!.address })
    await h.linking.verifyLatest({ identityId, signature: await alice!.signMessage({ message: challenge.message! }) })
    h.ledger.post({ kind: 'test.escrow', idempotencyKey: 'escrow', entries: [{ key: system('treasury'), amount: -5n }, { key: escrow(accountId), amount: 5n }], now: 1 })
    expect(() => h.linking.unlink({ accountId, address: alice!.address })).toThrow(
      'You have < 0.000001 GRID in escrow for running rentals; unlink after they end.',
    )
    expect(() => h.linking.unlink({ accountId: accountId + 100, address: alice!.address })).toThrow(`${alice!.address} is not linked to your account; /wallet lists yours.`)
  })

  test('error: a provider wallet with nodes cannot be unlinked', async () => {
    const h = setup()
    const { identityId, accountId } = h.identity(aliceTelegram)
    const challenge = h.linking.createChallenge({ identityId, address: alice!.address })
    await h.linking.verifyLatest({ identityId, signature: await alice!.signMessage({ message: challenge.message! }) })
    h.sqlite.prepare('insert into providers (id, address, created_at) values (1, ?, 1)').run(alice!.address)
    h.sqlite.prepare("insert into nodes (id, provider_id, node_key, region, price_per_gpu_hour, last_heartbeat_at, registered_at) values ('n1', 1, 'k', 'eu-west', '1', 1, 1)").run()
    const guarded = new WalletLinking({ ...h.linkingDeps, unlinkBlocker: (_accountId, address) => providerUnlinkBlocker(h.db, address) })
    expect(() => guarded.unlink({ accountId, address: alice!.address })).toThrow(
      `${alice!.address} is the wallet of 1 provider node; their earnings are paid to it, so it stays linked.`,
    )
    expect(guarded.listWallets(accountId)).toHaveLength(1)
  })
})
