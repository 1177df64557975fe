import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { available, earnings } from '../../src/ledger/balanceKeys.ts'
import { checkLedger } from '../../src/ledger/checkLedger.ts'
import { deployDevContracts, startTestChain, type TestChain } from '../chain/testChain.ts'
import { createSecurityKit, HOUR } from './securityKit.ts'

let chain: TestChain
let dev: EnsureDevChainReturnType
const [, alice, bob] = devAccounts(3).map((a) => privateKeyToAccount(a.privateKey))
const victimUser = { platform: 'telegram' as const, id: '100', name: '@victim' }
const attackerUser = { platform: 'telegram' as const, id: '666', name: '@mallory' }
const victimDiscord = { platform: 'discord' as const, id: '4242', name: 'victim' }

beforeAll(async () => {
  chain = await startTestChain()
  dev = await deployDevContracts(chain)
})
afterAll(() => chain?.stop())

/** The victim has wallet W1 (alice) and 100 available; the attacker has wallet W2 (bob); both holds are over. */
async function victimAndAttacker() {
  const k = createSecurityKit(chain, dev)
  await k.link(victimUser, alice!)
  const victim = k.accountOf(victimUser)
  k.fund(victim, 100n)
  await k.link(attackerUser, bob!)
  const attacker = k.accountOf(attackerUser)
  k.clock.now += 48 * HOUR
  return { k, victim, attacker }
}

describe('attacks: a signature alone never hands one account to another', () => {
  test('a stolen /link URL signed with the attacker wallet merges nothing; the victim is asked and denies', async () => {
    const { k, victim, attacker } = await victimAndAttacker()
    const stolen = k.linking.createChallenge({ identityId: k.identity(victimUser).identityId })
    const outcome = await k.signLink(stolen.token, bob!)
    expect(outcome).toMatchObject({
      status: 'merge_pending',
      accountId: victim,
      merged: false,
      message: `${bob!.address} already belongs to another Gridshare account, so nothing changed yet: you and its owner must approve in chat by 2026-12-03 09:00 UTC.`,
    })
    expect(k.accountOf(victimUser)).toBe(victim)
    expect(k.ledger.balance(available(victim))).toBe(100n)
    expect(k.ledger.balance(available(attacker))).toBe(0n)
    expect(() => k.payouts.requestWithdrawal({ accountId: attacker, amount: 100n, to: alice!.address })).toThrow(`${alice!.address} is not one of your linked wallets; /wallet lists them.`)
    expect(() => k.payouts.requestWithdrawal({ accountId: attacker, amount: 100n })).toThrow(`You asked to withdraw < 0.000001 GRID but have 0 GRID available.`)
    // Both accounts must approve; each has its own Approve / Deny, owned by that account.
    expect(k.buttons('link.merge.approve').map((b) => b.owner)).toEqual([String(attacker), String(victim)])
    expect(k.buttons('link.merge.deny').map((b) => b.owner)).toEqual([String(attacker), String(victim)])
    expect(k.messagesTo(victim).at(-1)).toBe(
      `Wallet ${bob!.address}, which belongs to another Gridshare account (that of Telegram user @mallory (id 666)), was signed for Telegram user @victim (id 100). ` +
        'Approving folds this account and its funds into that account, which Telegram user @mallory (id 666) would then control. If you did not link your own wallet just now, press Deny. The request ends at 2026-12-03 09:00 UTC.',
    )
    const [request] = k.mergeRequests()
    expect(k.linking.decideMerge({ requestId: request!.id, accountId: attacker, approve: true })).toEqual({
      status: 'waiting',
      message: 'Approved. The other account must approve too, by 2026-12-03 09:00 UTC.',
    })
    expect(k.accountOf(victimUser)).toBe(victim)
    expect(k.linking.decideMerge({ requestId: request!.id, accountId: victim, approve: false })).toEqual({
      status: 'denied',
      message: 'Denied: nothing changed, and the other side has been told.',
    })
    const told = `The request for Telegram user @victim (id 100) to join the account of wallet ${bob!.address} was denied; nothing changed.`
    expect(k.messagesTo(victim).at(-1)).toBe(told)
    expect(k.messagesTo(attacker).at(-1)).toBe(told)
    expect(k.linking.decideMerge({ requestId: request!.id, accountId: attacker, approve: true }).status).toBe('already_decided')
    expect(k.accountOf(victimUser)).toBe(victim)
    expect(k.ledger.balance(available(victim))).toBe(100n)
    expect(k.linking.listWallets(attacker).map((w) => w.address)).toEqual([bob!.address])
    expect(checkLedger(k.sqlite)).toEqual([])
  })

  test('a phished signature (the victim signs the attacker link with W1) merges nothing; the victim is asked in plain words', async () => {
    const k = createSecurityKit(chain, dev)
    await k.link(victimUser, alice!)
    const victim = k.accountOf(victimUser)
    k.fund(victim, 100n)
    k.clock.now += 48 * HOUR
    const attacker = k.accountOf(attackerUser)
    const bait = k.linking.createChallenge({ identityId: k.identity(attackerUser).identityId })
    const outcome = await k.signLink(bait.token, alice!)
    expect(outcome).toMatchObject({ status: 'merge_pending', accountId: attacker, message: `${alice!.address} already belongs to another Gridshare account, so nothing changed yet: you and its owner must approve in chat by 2026-12-03 09:00 UTC.` })
    expect(k.accountOf(attackerUser)).toBe(attacker)
    expect(k.linking.listWallets(attacker)).toEqual([])
    expect(() => k.payouts.requestWithdrawal({ accountId: attacker, amount: 100n })).toThrow('You have no linked wallet to withdraw to; use /link first.')
    expect(k.buttons('link.merge.approve').map((b) => b.owner)).toEqual([String(victim), String(attacker)])
    expect(k.messagesTo(victim).at(-1)).toBe(
      `Telegram user @mallory (id 666) signed with your wallet ${alice!.address} and asks to join your Gridshare account. Approving gives that chat user your balance, withdrawals and votes. If that is not you on another chat account, press Deny. The request ends at 2026-12-03 09:00 UTC.`,
    )
    const [request] = k.mergeRequests()
    // The attacker's own yes is not enough.
    expect(k.linking.decideMerge({ requestId: request!.id, accountId: attacker, approve: true }).status).toBe('waiting')
    expect(k.accountOf(attackerUser)).toBe(attacker)
    expect(() => k.linking.decideMerge({ requestId: request!.id, accountId: 999, approve: true })).toThrow('This request is not for your account.')
    expect(k.linking.decideMerge({ requestId: request!.id, accountId: victim, approve: false }).status).toBe('denied')
    expect(k.messagesTo(attacker).at(-1)).toBe(`The request for Telegram user @mallory (id 666) to join the account of wallet ${alice!.address} was denied; nothing changed.`)
    expect(k.ledger.balance(available(victim))).toBe(100n)
    expect(k.linking.listWallets(victim).map((w) => w.address)).toEqual([alice!.address])
  })

  test('a stolen URL signed with a wallet whose account a node agent made: the victim alone must approve', async () => {
    const k = createSecurityKit(chain, dev)
    await k.link(victimUser, alice!)
    const victim = k.accountOf(victimUser)
    k.fund(victim, 100n)
    const agentAccount = agentRegisteredAccount(k, bob!.address)
    const stolen = k.linking.createChallenge({ identityId: k.identity(victimUser).identityId })
    const outcome = await k.signLink(stolen.token, bob!)
    expect(outcome.status).toBe('merge_pending')
    expect(outcome.message).toBe(`${bob!.address} already belongs to another Gridshare account, so nothing changed yet: you must approve in chat by 2026-12-01 09:00 UTC.`)
    expect(k.mergeRequests()).toMatchObject([{ status: 'pending', awaiting: `[${victim}]`, requester: victim, target: agentAccount }])
    expect(k.messagesTo(victim).at(-1)).toBe(
      `Wallet ${bob!.address}, which belongs to another Gridshare account (one a node agent registered, with no chat user yet), was signed for Telegram user @victim (id 100). ` +
        'Approving folds this account and its funds into that account, which whoever holds that wallet would then control. If you did not link your own wallet just now, press Deny. The request ends at 2026-12-01 09:00 UTC.',
    )
    expect(k.accountOf(victimUser)).toBe(victim)
  })

  test('an empty requesting account approves too: a leaked link must not move its chat identity into a stranger\'s account', async () => {
    const k = createSecurityKit(chain, dev)
    await k.link(victimUser, alice!)
    const owner = k.accountOf(victimUser)
    const newcomer = k.accountOf(attackerUser)
    await k.signLink(k.linking.createChallenge({ identityId: k.identity(attackerUser).identityId }).token, alice!)
    const [request] = k.mergeRequests()
    expect(request!.awaiting).toBe(`[${owner},${newcomer}]`)
    k.fund(newcomer, 9n)
    expect(k.linking.decideMerge({ requestId: request!.id, accountId: owner, approve: true }).status).toBe('waiting')
    expect(k.accountOf(attackerUser)).toBe(newcomer)
    expect(k.buttons('link.merge.approve').map((b) => b.owner)).toEqual([String(owner), String(newcomer)])
    expect(k.linking.decideMerge({ requestId: request!.id, accountId: newcomer, approve: true }).status).toBe('merged')
    expect(k.ledger.balance(available(owner))).toBe(9n)
  })
})

describe('approvals', () => {
  test('a second platform: both accounts approve, the merge happens exactly once and is announced', async () => {
    const k = createSecurityKit(chain, dev)
    await k.link(victimUser, alice!)
    const owner = k.accountOf(victimUser)
    k.fund(owner, 100n)
    k.clock.now += 48 * HOUR
    const discord = k.accountOf(victimDiscord)
    const outcome = await k.link(victimDiscord, alice!)
    expect(outcome.status).toBe('merge_pending')
    const [request] = k.mergeRequests()
    expect(request!.awaiting).toBe(`[${owner},${discord}]`)
    // One tap where the link was signed, one from the account being joined.
    expect(k.linking.decideMerge({ requestId: request!.id, accountId: discord, approve: true }).status).toBe('waiting')
    const first = k.linking.decideMerge({ requestId: request!.id, accountId: owner, approve: true })
    expect(first).toEqual({ status: 'merged', message: `Approved: Discord user @victim (id 4242) and the account of ${alice!.address} are now one account.` })
    expect(k.linking.decideMerge({ requestId: request!.id, accountId: owner, approve: true })).toEqual({ status: 'already_decided', message: 'This request was already approved; nothing changed.' })
    expect(k.accountOf(victimDiscord)).toBe(owner)
    expect(k.sqlite.prepare('select merged_into as m, security_hold_until as hold from accounts where id = ?').get(discord)).toEqual({ m: owner, hold: null })
    expect(k.sqlite.prepare('select security_hold_until as hold from accounts where id = ?').get(owner)).toEqual({ hold: k.clock.now + 24 * HOUR })
    expect(k.sqlite.prepare("select kind, detail from security_events where kind = 'accounts_merged'").all()).toEqual([
      { kind: 'accounts_merged', detail: `Discord user @victim (id 4242) joined this account by signing with its wallet ${alice!.address}, and the two accounts were merged.` },
    ])
    expect(k.messagesTo(owner).at(-1)).toBe(
      `Discord user @victim (id 4242) joined this account by signing with its wallet ${alice!.address}, and the two accounts were merged. Withdrawals wait until 2026-12-03 09:00 UTC. If this was not you, press Freeze my account now: it stops withdrawals and bot signing.`,
    )
    expect(k.ledger.balance(available(owner))).toBe(100n)
    expect(checkLedger(k.sqlite)).toEqual([])
  })

  test('an unanswered request expires after 24 hours: nothing changes and both sides are told', async () => {
    const k = createSecurityKit(chain, dev)
    await k.link(victimUser, alice!)
    const owner = k.accountOf(victimUser)
    const discord = k.accountOf(victimDiscord)
    await k.link(victimDiscord, alice!)
    k.clock.now += 24 * HOUR - 1
    expect(k.linking.expireMergeRequests()).toBe(0)
    k.clock.now += 1
    expect(k.linking.expireMergeRequests()).toBe(1)
    expect(k.linking.expireMergeRequests()).toBe(0)
    const [request] = k.mergeRequests()
    expect(request!.status).toBe('expired')
    const told = `The request for Discord user @victim (id 4242) to join the account of wallet ${alice!.address} expired without every approval (they last 24 hours); nothing changed.`
    expect(k.messagesTo(owner).at(-1)).toBe(told)
    expect(k.messagesTo(discord).at(-1)).toBe(told)
    expect(k.linking.decideMerge({ requestId: request!.id, accountId: owner, approve: true }).message).toBe('This request was already expired; nothing changed.')
    expect(k.accountOf(victimDiscord)).toBe(discord)
  })

  test('a wallet whose account a node agent registered joins on the requester\'s own approval, and the message says so', async () => {
    const k = createSecurityKit(chain, dev)
    const agentAccount = agentRegisteredAccount(k, bob!.address)
    k.fund(agentAccount, 5n, earnings(agentAccount))
    const requester = k.accountOf(victimUser)
    const outcome = await k.link(victimUser, bob!)
    expect(outcome).toMatchObject({
      status: 'merge_pending',
      merged: false,
      accountId: requester,
      message: `${bob!.address} already belongs to another Gridshare account, so nothing changed yet: you must approve in chat by 2026-12-01 09:00 UTC.`,
    })
    const [request] = k.mergeRequests()
    expect(request!.awaiting).toBe(`[${requester}]`)
    expect(k.linking.decideMerge({ requestId: request!.id, accountId: requester, approve: true })).toEqual({
      status: 'merged',
      message: `Approved: Telegram user @victim (id 100) and the account of ${bob!.address} are now one account.`,
    })
    expect(k.accountOf(victimUser)).toBe(agentAccount)
    expect(k.ledger.balance(earnings(agentAccount))).toBe(5n)
    expect(k.messagesTo(agentAccount).at(-1)).toBe(
      `Telegram user @victim (id 100) proved wallet ${bob!.address}, whose account its node agent's registration created; that account, with its provider earnings, is now this chat user's. Withdrawals wait until 2026-12-01 09:00 UTC. If this was not you, press Freeze my account now: it stops withdrawals and bot signing.`,
    )
    expect(k.mergeRequests()).toMatchObject([{ status: 'approved' }])
  })
})

/** What NodeRegistry does for a new provider wallet: an account with the wallet and no chat identity. */
function agentRegisteredAccount(k: ReturnType<typeof createSecurityKit>, address: string): number {
  const { id } = k.sqlite.prepare('insert into accounts (created_at) values (?) returning id').get(k.clock.now) as { id: number }
  k.sqlite.prepare('insert into wallets (address, account_id, linked_at) values (?, ?, ?)').run(address, id, k.clock.now)
  return id
}
