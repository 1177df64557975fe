import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { erc20Abi, parseTransaction, parseUnits, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { PayoutSender, type PayoutSenderDeps } from '../../src/chain/PayoutSender.ts'
import { readTokenTransfers } from '../../src/chain/readTokenTransfers.ts'
import { earnings, system } from '../../src/ledger/balanceKeys.ts'
import { checkLedger } from '../../src/ledger/checkLedger.ts'
import { createMoneyHarness } from '../support/moneyHarness.ts'
import { capturedLogger, fundedHolder, onChainPayoutDeps } from '../support/payoutFixtures.ts'
import { createRewardsHarness } from '../support/rewardsHarness.ts'
import { deployDevContracts, startTestChain, type TestChain } from './testChain.ts'

// The branches of PayoutSender that decide where money goes when a payout does
// not simply confirm: hold for an operator, or return to the right balance.

let chain: TestChain
let dev: EnsureDevChainReturnType
const erin = privateKeyToAccount(devAccounts(7)[6]!.privateKey)
const DAY = 24 * 3600_000
// PUSH1 0 PUSH1 0 REVERT: a token that reverts every call, put in place for one block.
const REVERTING_CODE = '0x60006000fd'

beforeAll(async () => {
  chain = await startTestChain()
  dev = await deployDevContracts(chain)
})
afterAll(() => chain?.stop())

const fundedErin = (h: ReturnType<typeof createMoneyHarness>, amount: bigint) => fundedHolder(h, { id: '77', name: 'erin' }, erin, amount)

const balanceOf = (address: Address) => chain.publicClient.readContract({ address: dev.token, abi: erc20Abi, functionName: 'balanceOf', args: [address] })

async function transfersTo(address: Address, fromBlock: bigint) {
  const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 })
  return readTokenTransfers(chain.publicClient, { token: dev.token, to: address, from: chain.treasury, fromBlock, toBlock: head })
}

/** Runs the sender until nothing is left submitted (a receipt can lag a send under load), summing its counts. */
async function settleAll(sender: PayoutSender, db: { prepare(sql: string): { get(): unknown } }) {
  const total = { sent: 0, confirmed: 0, failed: 0 }
  for (let run = 0; run < 40; run++) {
    const counts = await sender.process()
    total.sent += counts.sent
    total.confirmed += counts.confirmed
    total.failed += counts.failed
    if ((db.prepare("select count(*) as n from payouts where status = 'submitted'").get() as { n: number }).n === 0) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return total
}

/** Mines the next block with the token reverting every call, then puts the real token back. */
async function mineWithRevertingToken() {
  const code = (await chain.publicClient.getCode({ address: dev.token })) as Hex
  await chain.testClient.setCode({ address: dev.token, bytecode: REVERTING_CODE })
  try {
    await chain.testClient.mine({ blocks: 1 })
  } finally {
    await chain.testClient.setCode({ address: dev.token, bytecode: code })
  }
}

describe('payout recovery branches', () => {
  test('nonce used by another transaction, none of ours known: held for an operator, never refunded or resent', async () => {
    const { logger, lines } = capturedLogger()
    const h = createMoneyHarness(chain, dev)
    const deps: PayoutSenderDeps = { ...h.payoutDeps, logger }
    const accountId = await fundedErin(h, parseUnits('10', 18))
    const fromBlock = (await chain.publicClient.getBlockNumber({ cacheTime: 0 })) + 1n
    const payout = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('2', 18) })
    // Signed and recorded, then the process died before broadcasting.
    const crashing = new PayoutSender({ ...deps, afterRecordSubmitted: () => { throw new Error('process killed') } })
    await expect(crashing.process()).rejects.toThrow('process killed')
    const submitted = h.payouts.get(payout.id)!
    expect(submitted).toMatchObject({ status: 'submitted' })
    // Something else (an operator's wallet app, another service) spends that nonce.
    const other = await chain.walletClient.sendTransaction({ to: chain.treasury, value: 0n, nonce: submitted.nonce!, chain: chain.publicClient.chain, account: chain.walletClient.account })
    await chain.publicClient.waitForTransactionReceipt({ hash: other })

    for (let run = 0; run < 2; run++) expect(await new PayoutSender(deps).process()).toEqual({ sent: 0, confirmed: 0, failed: 0 })

    expect(h.payouts.get(payout.id)).toMatchObject({ status: 'submitted', txHash: submitted.txHash, nonce: submitted.nonce })
    // The money stays in pending payouts: not back in available (that could pay twice), not sent.
    expect(h.ledger.balancesOf(accountId).available).toBe(parseUnits('8', 18))
    expect(h.ledger.balance(system('payouts_pending'))).toBe(parseUnits('2', 18))
    expect(await transfersTo(erin.address, fromBlock)).toEqual([])
    expect(h.sqlite.prepare("select count(*) as n from notifications where dedupe_key like 'payout.%'").get()).toEqual({ n: 0 })
    expect(lines.filter((l) => l.level === 50).map((l) => l.msg)).toEqual([
      'payout nonce is used but none of its transactions is known; check the treasury by hand',
      'payout nonce is used but none of its transactions is known; check the treasury by hand',
    ])
    expect(checkLedger(h.sqlite)).toEqual([])
  })

  test('a withdrawal that reverts on-chain goes back to available, with a message', async () => {
    const h = createMoneyHarness(chain, dev)
    const accountId = await fundedErin(h, parseUnits('10', 18))
    const payout = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('3', 18) })
    await chain.testClient.setAutomine(false)
    try {
      expect(await h.payouts.process()).toEqual({ sent: 1, confirmed: 0, failed: 0 })
      await mineWithRevertingToken()
    } finally {
      await chain.testClient.setAutomine(true)
    }
    expect(await settleAll(h.payouts, h.sqlite)).toEqual({ sent: 0, confirmed: 0, failed: 1 })
    expect(h.payouts.get(payout.id)).toMatchObject({ status: 'failed' })
    expect(h.ledger.balancesOf(accountId).available).toBe(parseUnits('10', 18))
    expect(h.ledger.earningsOf(accountId)).toBe(0n)
    expect(h.ledger.balance(system('payouts_pending'))).toBe(0n)
    const note = h.sqlite.prepare('select reply from notifications where dedupe_key = ?').get(`payout.failed:${payout.id}`) as { reply: string }
    expect(JSON.parse(note.reply).text).toBe(`Withdrawal of 3 GRID failed on-chain and was returned to your balance (${h.payouts.get(payout.id)!.txHash}).`)
    expect(checkLedger(h.sqlite)).toEqual([])
  })

  test('a reward payout that reverts on-chain goes back to earnings, not to available', async () => {
    const h = createRewardsHarness()
    const start = h.clock.now
    const provider = h.provider(1, { nodeKey: 'n0' })
    h.uptime(provider.nodeId, start, start + DAY)
    h.clock.now += DAY
    const [epoch] = h.epochs.closeDue()
    const [reward] = h.sqlite.prepare("select id, amount, to_address as toAddress from payouts where kind = 'reward'").all() as { id: string; amount: string; toAddress: string }[]
    expect(reward).toBeDefined()
    const amount = BigInt(reward!.amount)
    expect(amount).toBeGreaterThan(0n)
    // Closing the epoch moved the provider's total out of earnings into pending payouts.
    expect(h.ledger.earningsOf(provider.accountId)).toBe(0n)
    const availableBefore = h.ledger.balancesOf(provider.accountId).available
    // One transfer (no Disperse allowance to approve while the test holds blocks back).
    const deps = onChainPayoutDeps(h, chain, dev.token)
    const before = await balanceOf(reward!.toAddress as Address)
    await chain.testClient.setAutomine(false)
    try {
      expect(await new PayoutSender(deps).process()).toEqual({ sent: 1, confirmed: 0, failed: 0 })
      await mineWithRevertingToken()
    } finally {
      await chain.testClient.setAutomine(true)
    }
    expect(await settleAll(new PayoutSender(deps), h.sqlite)).toEqual({ sent: 0, confirmed: 0, failed: 1 })
    expect(h.sqlite.prepare('select status from payouts where id = ?').get(reward!.id)).toEqual({ status: 'failed' })
    const failedNote = h.sqlite.prepare('select reply from notifications where dedupe_key = ?').get(`payout.failed:${reward!.id}`) as { reply: string }
    const failedHash = (h.sqlite.prepare('select tx_hash as h from payouts where id = ?').get(reward!.id) as { h: string }).h
    expect(JSON.parse(failedNote.reply).text).toBe(`Payout of 50,000 GRID failed on-chain and was returned to your balance (${failedHash}).`)
    expect(h.sqlite.prepare("select kind, idempotency_key as k from ledger_transactions where kind = 'payout.failed'").all()).toEqual([{ kind: 'payout.failed', k: `payout.failed:${reward!.id}` }])
    expect(h.ledger.earningsOf(provider.accountId)).toBe(amount)
    expect(h.ledger.balancesOf(provider.accountId).available).toBe(availableBefore)
    expect(h.ledger.balance(system('payouts_pending'))).toBe(0n)
    expect(h.ledger.balance(earnings(provider.accountId))).toBe(amount)
    expect(await balanceOf(reward!.toAddress as Address)).toBe(before)
    expect(epoch).toBeDefined()
    expect(checkLedger(h.sqlite)).toEqual([])

    // The next epoch carries the failed amount into a new payout (once): no uptime, so no emission, only the carry.
    h.clock.now += DAY
    h.epochs.closeDue()
    const rewards = () => h.sqlite.prepare("select id, amount, status from payouts where kind = 'reward' order by id").all()
    expect(rewards()).toEqual([
      { id: reward!.id, amount: amount.toString(), status: 'carried' },
      { id: `e2-${reward!.id.split('-')[1]}`, amount: amount.toString(), status: 'pending' },
    ])
    expect(h.ledger.earningsOf(provider.accountId)).toBe(0n)
    expect(h.ledger.balance(system('payouts_pending'))).toBe(amount)
    h.clock.now += DAY
    h.epochs.closeDue()
    expect(rewards()).toHaveLength(2)
    expect(checkLedger(h.sqlite)).toEqual([])
  })

  test('confirmed messages: a withdrawal names the amount, wallet and explorer link; a reward payout adds its epoch statement', async () => {
    const h = createRewardsHarness()
    const start = h.clock.now
    const provider = h.provider(2, { nodeKey: 'n0' })
    h.uptime(provider.nodeId, start, start + DAY)
    h.clock.now += DAY
    h.epochs.closeDue()
    const deps = onChainPayoutDeps(h, chain, dev.token, { explorerUrl: 'https://explorer.example/', publicUrl: 'https://grid.example' })
    expect(await settleAll(new PayoutSender(deps), h.sqlite)).toEqual({ sent: 1, confirmed: 1, failed: 0 })
    const payout = h.sqlite.prepare("select id, amount, tx_hash as txHash from payouts where kind = 'reward'").get() as { id: string; amount: string; txHash: string }
    const note = h.sqlite.prepare('select account_id as accountId, topic, reply from notifications where dedupe_key = ?').get(`payout.confirmed:${payout.id}`) as { accountId: number; topic: string; reply: string }
    expect({ ...note, reply: JSON.parse(note.reply) }).toEqual({
      accountId: provider.accountId,
      topic: 'payments',
      reply: { text: `Reward payout of 50,000 GRID to ${provider.address} confirmed: https://explorer.example/tx/${payout.txHash} Statement: https://grid.example/api/v1/epochs/1` },
    })
    expect(h.ledger.balance(system('payouts_pending'))).toBe(0n)
    expect(checkLedger(h.sqlite)).toEqual([])
  })

  test('a withdrawal goes to the linked wallet asked for (any letter case); an unlinked one is refused', async () => {
    const h = createMoneyHarness(chain, dev)
    const accountId = await fundedErin(h, parseUnits('10', 18))
    const payout = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('1', 18), to: erin.address.toLowerCase() as Address })
    expect(payout).toMatchObject({ toAddress: erin.address, amount: parseUnits('1', 18).toString(), status: 'pending', kind: 'withdrawal', accountId })
    const stranger = '0x000000000000000000000000000000000000dEaD'
    expect(() => h.payouts.requestWithdrawal({ accountId, amount: 1n, to: stranger })).toThrow(
      expect.objectContaining({ code: 'NOT_YOUR_WALLET', userMessage: `${stranger} is not one of your linked wallets; /wallet lists them.` }),
    )
    expect(h.ledger.balancesOf(accountId).available).toBe(parseUnits('9', 18))
    expect(await settleAll(h.payouts, h.sqlite)).toEqual({ sent: 1, confirmed: 1, failed: 0 })
    const note = h.sqlite.prepare('select reply from notifications where dedupe_key = ?').get(`payout.confirmed:${payout.id}`) as { reply: string }
    expect(JSON.parse(note.reply).text).toBe(`Withdrawal of 1 GRID to ${erin.address} confirmed: ${h.payouts.get(payout.id)!.txHash}`)
  })

  test('a confirmed withdrawal is two ledger postings with their own keys; errors carry their codes; ids are w + 8 hex', async () => {
    const h = createMoneyHarness(chain, dev)
    const accountId = await fundedErin(h, parseUnits('10', 18))
    const payout = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('2', 18) })
    expect(payout.id).toMatch(/^w[0-9a-f]{8}$/)
    expect(() => h.payouts.requestWithdrawal({ accountId, amount: parseUnits('9', 18) })).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_BALANCE', userMessage: 'You asked to withdraw 9 GRID but have 8 GRID available.' }))
    const { accountId: unlinked } = h.identity({ platform: 'telegram', id: 'nowallet', name: 'nowallet' })
    expect(() => h.payouts.requestWithdrawal({ accountId: unlinked, amount: 1n })).toThrow(expect.objectContaining({ code: 'NO_WALLET' }))
    await settleAll(h.payouts, h.sqlite)
    const postings = h.sqlite
      .prepare("select t.kind, t.idempotency_key as k, e.key, e.amount from ledger_transactions t join ledger_entries e on e.transaction_id = t.id where t.kind like '%withdrawal%' or t.kind like 'payout.%' order by e.id")
      .all()
    expect(postings).toEqual([
      { kind: 'withdrawal', k: `withdrawal:${payout.id}`, key: `account:${accountId}:available`, amount: (-parseUnits('2', 18)).toString() },
      { kind: 'withdrawal', k: `withdrawal:${payout.id}`, key: 'system:payouts_pending', amount: parseUnits('2', 18).toString() },
      { kind: 'payout.confirmed', k: `payout.confirmed:${payout.id}`, key: 'system:payouts_pending', amount: (-parseUnits('2', 18)).toString() },
      { kind: 'payout.confirmed', k: `payout.confirmed:${payout.id}`, key: 'system:treasury', amount: parseUnits('2', 18).toString() },
    ])
  })

  test('with two linked wallets the owner must name one', async () => {
    const h = createMoneyHarness(chain, dev)
    const accountId = await fundedErin(h, parseUnits('10', 18))
    h.sqlite.prepare('insert into wallets (address, account_id, linked_at) values (?, ?, ?)').run('0x000000000000000000000000000000000000bEEF', accountId, 1)
    expect(() => h.payouts.requestWithdrawal({ accountId, amount: 1n })).toThrow(
      expect.objectContaining({ code: 'WHICH_WALLET', userMessage: 'You have 2 linked wallets; say which one receives it: /withdraw <amount> <address> (/wallet lists them).' }),
    )
    expect(h.payouts.requestWithdrawal({ accountId, amount: 1n, to: erin.address })).toMatchObject({ toAddress: erin.address })
  })

  test('a withdrawal goes out as a plain token transfer even when a Disperse contract is configured', async () => {
    const h = createMoneyHarness(chain, dev)
    const accountId = await fundedErin(h, parseUnits('10', 18))
    const payout = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('1', 18) })
    expect(await settleAll(new PayoutSender({ ...h.payoutDeps, disperse: dev.disperse }), h.sqlite)).toEqual({ sent: 1, confirmed: 1, failed: 0 })
    const tx = await chain.publicClient.getTransaction({ hash: h.payouts.get(payout.id)!.txHash as Hex })
    expect(tx.to?.toLowerCase()).toBe(dev.token.toLowerCase())
  })

  test('one payout that cannot be sent (the treasury is short) does not hold up the next', async () => {
    const h = createMoneyHarness(chain, dev)
    const accountId = await fundedErin(h, 10n ** 40n)
    const huge = h.payouts.requestWithdrawal({ accountId, amount: 10n ** 39n })
    const small = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('1', 18) })
    expect(await settleAll(h.payouts, h.sqlite)).toEqual({ sent: 1, confirmed: 1, failed: 0 })
    expect([h.payouts.get(huge.id)!.status, h.payouts.get(small.id)!.status]).toEqual(['pending', 'confirmed'])
  })

  test('a stuck transaction is replaced with fees raised by 12.5 % + 1 wei, or to the current fee when that is higher', async () => {
    let now = Date.now()
    const h = createMoneyHarness(chain, dev, { clock: () => now })
    const accountId = await fundedErin(h, parseUnits('10', 18))
    const payout = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('1', 18) })
    await chain.testClient.setAutomine(false)
    try {
      await h.payouts.process()
      const before = parseTransaction(h.payouts.get(payout.id)!.rawTx as Hex)
      const fees = await chain.publicClient.estimateFeesPerGas()
      now += 6 * 60_000
      await h.payouts.process()
      const after = parseTransaction(h.payouts.get(payout.id)!.rawTx as Hex)
      const bump = (old: bigint, current: bigint) => ((old * 1125n) / 1000n + 1n > current ? (old * 1125n) / 1000n + 1n : current)
      expect(after.nonce).toBe(before.nonce)
      expect(after.maxFeePerGas).toBe(bump(before.maxFeePerGas!, fees.maxFeePerGas))
      expect(after.maxPriorityFeePerGas).toBe(bump(before.maxPriorityFeePerGas!, fees.maxPriorityFeePerGas))
      expect(after.maxPriorityFeePerGas! > before.maxPriorityFeePerGas!).toBe(true)
      await chain.testClient.mine({ blocks: 1 })
    } finally {
      await chain.testClient.setAutomine(true)
    }
    expect(await settleAll(h.payouts, h.sqlite)).toMatchObject({ confirmed: 1 })
  })
})
