import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { ProtocolParameters } from '../../src/governance/ProtocolParameters.ts'
import { available } from '../../src/ledger/balanceKeys.ts'
import { deployDevContracts, startTestChain, type TestChain } from '../chain/testChain.ts'
import { createSecurityKit, HOUR, T0 } from './securityKit.ts'

let chain: TestChain
let dev: EnsureDevChainReturnType
const [, alice, bob, carol] = devAccounts(4).map((a) => privateKeyToAccount(a.privateKey))
const owner = { platform: 'telegram' as const, id: '100', name: '@owner' }

beforeAll(async () => {
  chain = await startTestChain()
  dev = await deployDevContracts(chain)
})
afterAll(() => chain?.stop())

async function fundedOwner() {
  const k = createSecurityKit(chain, dev)
  await k.link(owner, alice!)
  const accountId = k.accountOf(owner)
  k.fund(accountId, 100n)
  return { k, accountId }
}

describe('the security hold', () => {
  test('linking a wallet is announced with a Freeze button and blocks withdrawals until the hold has passed', async () => {
    const { k, accountId } = await fundedOwner()
    expect(k.messagesTo(accountId)).toEqual([
      `Wallet ${alice!.address} was linked by Telegram user @owner (id 100). Withdrawals wait until 2026-12-01 09:00 UTC. If this was not you, press Freeze my account now: it stops withdrawals and bot signing.`,
    ])
    expect(k.buttons('security.freeze').map((b) => b.owner)).toEqual([String(accountId)])
    expect(k.sqlite.prepare('select kind, created_at as at from security_events').all()).toEqual([{ kind: 'wallet_linked', at: T0 }])
    k.clock.now = T0 + 24 * HOUR - 1
    expect(() => k.payouts.requestWithdrawal({ accountId, amount: 40n })).toThrow(
      'After a security change on your account, withdrawals wait until 2026-12-01 09:00 UTC; try again then, or /freeze if you did not make the change.',
    )
    expect(k.ledger.balance(available(accountId))).toBe(100n)
    k.clock.now = T0 + 24 * HOUR
    const payout = k.payouts.requestWithdrawal({ accountId, amount: 40n })
    expect(payout).toMatchObject({ toAddress: alice!.address, amount: '40', status: 'pending' })
    expect(k.ledger.balance(available(accountId))).toBe(60n)
  })

  test('error: a withdrawal to a wallet linked less than the hold ago is refused', async () => {
    const { k, accountId } = await fundedOwner()
    k.clock.now = T0 + 30 * HOUR
    // A longer hold voted in applies to wallets already linked.
    new ProtocolParameters(k.db).set('security_hold_hours', '48', { setByProposal: null, now: k.clock.now })
    expect(() => k.payouts.requestWithdrawal({ accountId, amount: 1n, to: alice!.address })).toThrow(
      `${alice!.address} was linked at 2026-11-30 09:00 UTC; withdrawals go only to wallets linked at least 48 hours, so it can receive from 2026-12-02 09:00 UTC.`,
    )
    k.clock.now = T0 + 48 * HOUR
    expect(k.payouts.requestWithdrawal({ accountId, amount: 1n, to: alice!.address }).toAddress).toBe(alice!.address)
  })

  test('error: with several wallets the owner names the destination; a wallet someone else linked is never the default', async () => {
    const { k, accountId } = await fundedOwner()
    // A leaked link signed with a fresh wallet links it to the owner's account (and the owner is told).
    k.clock.now = T0 + HOUR
    await k.link(owner, bob!)
    k.clock.now = T0 + 72 * HOUR
    expect(() => k.payouts.requestWithdrawal({ accountId, amount: 1n })).toThrow(
      'You have 2 linked wallets; say which one receives it: /withdraw <amount> <address> (/wallet lists them).',
    )
    expect(k.payouts.requestWithdrawal({ accountId, amount: 1n, to: alice!.address }).toAddress).toBe(alice!.address)
    expect(k.ledger.balance(available(accountId))).toBe(99n)
  })
})

describe('freeze and unfreeze', () => {
  test('error: no merge opens while an account is frozen, so a thief cannot fold it into an account whose wallet would lift the freeze', async () => {
    const { k, accountId } = await fundedOwner()
    k.linking.freeze(accountId)
    const other = { platform: 'discord' as const, id: '4242', name: 'thief' }
    await expect(k.link(other, alice!)).rejects.toThrow('One of the two accounts is frozen, so they cannot be joined; unfreeze first.')
    expect(k.sqlite.prepare('select count(*) as n from merge_requests').get()).toEqual({ n: 0 })
    expect(k.accountOf(owner)).toBe(accountId)
  })

  test('a freeze stops withdrawals; only a wallet the account held for the hold before the freeze lifts it', async () => {
    const { k, accountId } = await fundedOwner()
    // The change the owner reacts to: a thief links a wallet from the owner's chat account.
    k.clock.now = T0 + 20 * HOUR
    await k.link(owner, carol!)
    k.clock.now = T0 + 30 * HOUR
    expect(k.linking.freeze(accountId)).toEqual({ frozenAt: T0 + 30 * HOUR, already: false })
    expect(k.linking.freeze(accountId)).toEqual({ frozenAt: T0 + 30 * HOUR, already: true })
    expect(() => k.payouts.requestWithdrawal({ accountId, amount: 1n })).toThrow(
      'Your account is frozen, so withdrawing is stopped; /unfreeze with a wallet your account held for the security hold before the freeze lifts it.',
    )
    // A wallet linked after the freeze (an attacker's, say) cannot lift it.
    k.clock.now += HOUR
    await k.link(owner, bob!)
    const { identityId } = k.identity(owner)
    const wrong = k.linking.createUnfreezeChallenge({ identityId, accountId })
    expect(wrong.purpose).toBe('unfreeze')
    await expect(k.signLink(wrong.token, bob!)).rejects.toThrow(
      `${bob!.address} is not a wallet your account held for 24 hours before the freeze at 2026-12-01 15:00 UTC; sign with one that was (see /wallet).`,
    )
    // Nor can the wallet linked ten hours before the freeze: the very change the owner froze against.
    const thief = k.linking.createUnfreezeChallenge({ identityId, accountId })
    await expect(k.signLink(thief.token, carol!)).rejects.toThrow(`${carol!.address} is not a wallet your account held for 24 hours before the freeze`)
    expect(k.sqlite.prepare('select frozen_at as f from accounts where id = ?').get(accountId)).toEqual({ f: T0 + 30 * HOUR })

    const right = k.linking.createUnfreezeChallenge({ identityId, accountId, address: alice!.address })
    expect(right.message).toContain('Unfreeze the Gridshare account of Telegram user @owner (id 100). Sign only if you asked for this in chat yourself.')
    const outcome = await k.linking.verifyLatest({ identityId, signature: await alice!.signMessage({ message: right.message! }) })
    expect(outcome).toMatchObject({ status: 'unfrozen', message: 'Your account is unfrozen; withdrawals wait until 2026-12-02 16:00 UTC after this change.' })
    expect(k.sqlite.prepare('select frozen_at as f, security_hold_until as h from accounts where id = ?').get(accountId)).toEqual({ f: null, h: T0 + 55 * HOUR })
    expect(k.messagesTo(accountId).at(-1)).toBe(
      `The account was unfrozen with a signature from ${alice!.address}, asked by Telegram user @owner (id 100). Withdrawals wait until 2026-12-02 16:00 UTC. If this was not you, press Freeze my account now: it stops withdrawals and bot signing.`,
    )
    expect(() => k.linking.createUnfreezeChallenge({ identityId, accountId })).toThrow('Your account is not frozen; nothing to unfreeze.')
    k.clock.now = T0 + 55 * HOUR
    expect(k.payouts.requestWithdrawal({ accountId, amount: 1n, to: alice!.address }).status).toBe('pending')
  })

  test('unlinking is announced, and refused while frozen (the wallets linked before a freeze are what lifts it)', async () => {
    const { k, accountId } = await fundedOwner()
    await k.link(owner, bob!)
    k.clock.now = T0 + 2 * HOUR
    expect(k.linking.unlink({ accountId, address: bob!.address })).toBe(bob!.address)
    expect(k.messagesTo(accountId).at(-1)).toBe(
      `Wallet ${bob!.address} was unlinked. Withdrawals wait until 2026-12-01 11:00 UTC. If this was not you, press Freeze my account now: it stops withdrawals and bot signing.`,
    )
    k.linking.freeze(accountId)
    expect(() => k.linking.unlink({ accountId, address: alice!.address })).toThrow(
      'Your account is frozen, so unlinking is stopped; /unfreeze with a wallet your account held for the security hold before the freeze lifts it.',
    )
    expect(k.linking.listWallets(accountId).map((w) => w.address)).toEqual([alice!.address])
  })

  test('error: an unfreeze message cannot be replayed as a link, nor a link message as an unfreeze', async () => {
    const { k, accountId } = await fundedOwner()
    k.linking.freeze(accountId)
    const { identityId } = k.identity(owner)
    const link = k.linking.createChallenge({ identityId, address: alice!.address })
    const unfreeze = k.linking.createUnfreezeChallenge({ identityId, accountId, address: alice!.address })
    const linkSignature = await alice!.signMessage({ message: link.message! })
    await expect(k.linking.verify({ token: unfreeze.token, signature: linkSignature, message: link.message! })).rejects.toThrow(
      'The signed message belongs to another unfreeze request; sign the message from this /unfreeze.',
    )
    const unfreezeSignature = await alice!.signMessage({ message: unfreeze.message! })
    await expect(k.linking.verify({ token: link.token, signature: unfreezeSignature, message: unfreeze.message! })).rejects.toThrow(
      'The signed message belongs to another link request; sign the message from this /link.',
    )
    expect(k.sqlite.prepare('select frozen_at is not null as f from accounts where id = ?').get(accountId)).toEqual({ f: 1 })
  })
})
