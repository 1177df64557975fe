import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { pino } from 'pino'
import { parseTransaction, parseUnits, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import type { ChainPublicClient } from '../../src/chain/chainClients.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { PayoutSender, type PayoutSenderDeps } from '../../src/chain/PayoutSender.ts'
import { readTokenTransfers } from '../../src/chain/readTokenTransfers.ts'
import { system } from '../../src/ledger/balanceKeys.ts'
import { checkLedger } from '../../src/ledger/checkLedger.ts'
import { createMoneyHarness } from '../support/moneyHarness.ts'
import { capturedLogger, fundedHolder } from '../support/payoutFixtures.ts'
import { deployDevContracts, devWallet, startTestChain, type TestChain } from './testChain.ts'

// PayoutSender's branches that only a misbehaving network reaches (issue 17):
// fees rising while a payout is stuck, a node whose pending nonce lags our own
// records, the node's "already known" / "nonce too low" answers, and a mined but
// under-confirmed transaction that must not be replaced. Real anvil throughout;
// where a node must answer as geth or a load-balanced RPC does, the real client
// is wrapped and only that one answer is changed.

let chain: TestChain
let dev: EnsureDevChainReturnType
const frank = privateKeyToAccount(devAccounts(9)[8]!.privateKey)

beforeAll(async () => {
  chain = await startTestChain()
  dev = await deployDevContracts(chain)
})
afterAll(() => chain?.stop())

const fundedFrank = (h: ReturnType<typeof createMoneyHarness>, amount: bigint) => fundedHolder(h, { id: '88', name: 'frank' }, frank, amount)

async function transfersTo(address: Address, fromBlock: bigint) {
  const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 })
  return readTokenTransfers(chain.publicClient, { token: dev.token, to: address, from: chain.treasury, fromBlock, toBlock: head })
}

const head = () => chain.publicClient.getBlockNumber({ cacheTime: 0 })

/** The real client with one method answering as another node would. */
function clientWith(overrides: Partial<ChainPublicClient>): ChainPublicClient {
  return { ...chain.publicClient, ...overrides } as ChainPublicClient
}

type RunCounts = { sent: number; confirmed: number; failed: number }
/** A payout run that sends, then settles what it sent: anvil's automine lands a moment after the
 *  send returns, so when the run asked too early, the pool is let empty and one more run settles it. */
async function sendAndSettle(run: () => Promise<RunCounts>): Promise<RunCounts> {
  const first = await run()
  if (first.sent === first.confirmed + first.failed) return first
  for (let i = 0; i < 100; i++) {
    const { pending } = await chain.testClient.request({ method: 'txpool_status' as never, params: [] as never }) as { pending: string }
    if (BigInt(pending) === 0n) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const second = await run()
  return { sent: first.sent + second.sent, confirmed: first.confirmed + second.confirmed, failed: first.failed + second.failed }
}

describe('a stuck payout when the network fee rises', () => {
  test('the replacement pays the current fee when it is above 112.5 % of the old one, and the raised tip otherwise; it pays once', async () => {
    let now = Date.now()
    const { logger, lines } = capturedLogger()
    const h = createMoneyHarness(chain, dev, { clock: () => now })
    const sender = new PayoutSender({ ...h.payoutDeps, logger })
    const accountId = await fundedFrank(h, parseUnits('10', 18))
    const fromBlock = (await head()) + 1n
    const payout = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('1', 18) })
    await chain.testClient.setAutomine(false)
    try {
      expect(await sender.process()).toEqual({ sent: 1, confirmed: 0, failed: 0 })
      const sent = h.payouts.get(payout.id)!
      const before = parseTransaction(sent.rawTx as Hex)
      // The network gets busy: the next block's base fee climbs to everything the payout offers,
      // and that block has no room for it (a gas limit below its gas), so it stays pending, still
      // valid, while the fee estimate rises past the 12.5 % raise.
      const gasLimit = (await chain.publicClient.getBlock({ blockTag: 'latest' })).gasLimit
      await chain.testClient.request({ method: 'anvil_setNextBlockBaseFeePerGas' as never, params: [`0x${before.maxFeePerGas!.toString(16)}`] as never })
      await chain.testClient.setBlockGasLimit({ gasLimit: 21_000n })
      await chain.testClient.mine({ blocks: 1 })
      await chain.testClient.setBlockGasLimit({ gasLimit })
      expect((await chain.publicClient.getBlock({ blockTag: 'latest' })).transactions).toEqual([])
      expect(await chain.publicClient.getTransaction({ hash: sent.txHash as Hex })).toMatchObject({ blockNumber: null })
      const fees = await chain.publicClient.estimateFeesPerGas()
      const raisedMaxFee = (before.maxFeePerGas! * 1125n) / 1000n + 1n
      const raisedTip = (before.maxPriorityFeePerGas! * 1125n) / 1000n + 1n
      // The premise of the test: the network's fee outran the raise, its tip did not.
      expect(fees.maxFeePerGas > raisedMaxFee).toBe(true)
      expect(fees.maxPriorityFeePerGas < raisedTip).toBe(true)

      now += 5 * 60_000 + 1
      expect(await sender.process()).toEqual({ sent: 0, confirmed: 0, failed: 0 })
      const replaced = h.payouts.get(payout.id)!
      // The operator's trace of the replacement: which payouts, which nonce, old and new hash.
      expect(lines).toEqual([
        expect.objectContaining({ level: 40, msg: 'payout transaction was stuck; replaced with higher fees', payouts: [payout.id], nonce: before.nonce, replaced: sent.txHash, txHash: replaced.txHash }),
      ])
      const after = parseTransaction(replaced.rawTx as Hex)
      expect(after.maxFeePerGas).toBe(fees.maxFeePerGas)
      expect(after.maxPriorityFeePerGas).toBe(raisedTip)
      expect({ nonce: after.nonce, to: after.to, data: after.data, gas: after.gas }).toEqual({ nonce: before.nonce, to: before.to, data: before.data, gas: before.gas })
      expect(JSON.parse(replaced.replacedTxHashes)).toEqual([sent.txHash])
      await chain.testClient.mine({ blocks: 1 })
    } finally {
      await chain.testClient.setAutomine(true)
    }
    expect(await h.payouts.process()).toEqual({ sent: 0, confirmed: 1, failed: 0 })
    expect(h.payouts.get(payout.id)).toMatchObject({ status: 'confirmed' })
    expect(await transfersTo(frank.address, fromBlock)).toHaveLength(1)
    expect(checkLedger(h.sqlite)).toEqual([])
  })

  test('a payout stuck exactly 5 minutes is not replaced yet; one millisecond later it is', async () => {
    let now = Date.now()
    const h = createMoneyHarness(chain, dev, { clock: () => now })
    const accountId = await fundedFrank(h, parseUnits('10', 18))
    const payout = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('1', 18) })
    await chain.testClient.setAutomine(false)
    try {
      await h.payouts.process()
      const first = h.payouts.get(payout.id)!
      now = first.submittedAt! + 5 * 60_000
      await h.payouts.process()
      expect(h.payouts.get(payout.id)).toMatchObject({ txHash: first.txHash, replacedTxHashes: '[]' })
      now += 1
      await h.payouts.process()
      expect(h.payouts.get(payout.id)).toMatchObject({ replacedTxHashes: JSON.stringify([first.txHash]), submittedAt: now })
      await chain.testClient.mine({ blocks: 1 })
    } finally {
      await chain.testClient.setAutomine(true)
    }
    expect(await h.payouts.process()).toMatchObject({ confirmed: 1 })
  })

  test('a payout mined but short of its confirmations is waited for, never replaced', async () => {
    let now = Date.now()
    const { logger, lines } = capturedLogger()
    const h = createMoneyHarness(chain, dev, { clock: () => now })
    const deps: PayoutSenderDeps = { ...h.payoutDeps, logger, confirmations: 2 }
    const sender = new PayoutSender(deps)
    const accountId = await fundedFrank(h, parseUnits('10', 18))
    const fromBlock = (await head()) + 1n
    const payout = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('2', 18) })
    // Automine: mined at once, one confirmation of the two asked for.
    expect(await sender.process()).toEqual({ sent: 1, confirmed: 0, failed: 0 })
    const first = h.payouts.get(payout.id)!
    now += 60 * 60_000
    expect(await sender.process()).toEqual({ sent: 0, confirmed: 0, failed: 0 })
    expect(h.payouts.get(payout.id)).toMatchObject({ status: 'submitted', txHash: first.txHash, rawTx: first.rawTx, replacedTxHashes: '[]' })
    expect(lines).toEqual([])
    await chain.testClient.mine({ blocks: 1 })
    expect(await sender.process()).toEqual({ sent: 0, confirmed: 1, failed: 0 })
    expect(h.payouts.get(payout.id)).toMatchObject({ status: 'confirmed', txHash: first.txHash })
    expect(await transfersTo(frank.address, fromBlock)).toHaveLength(1)
  })
})

describe('nonces', () => {
  test("a node whose pending nonce lags (a load-balanced RPC answering from the latest block): the next payout takes one past the last we signed", async () => {
    const h = createMoneyHarness(chain, dev)
    const lagging = clientWith({
      getTransactionCount: (({ address }: { address: Address }) =>
        chain.publicClient.getTransactionCount({ address, blockTag: 'latest' })) as ChainPublicClient['getTransactionCount'],
    })
    const sender = new PayoutSender({ ...h.payoutDeps, publicClient: lagging })
    const accountId = await fundedFrank(h, parseUnits('10', 18))
    const fromBlock = (await head()) + 1n
    const mined = await chain.publicClient.getTransactionCount({ address: chain.treasury, blockTag: 'latest' })
    const a = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('1', 18) })
    const b = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('2', 18) })
    await chain.testClient.setAutomine(false)
    try {
      expect(await sender.process()).toEqual({ sent: 2, confirmed: 0, failed: 0 })
      expect([h.payouts.get(a.id)!.nonce, h.payouts.get(b.id)!.nonce]).toEqual([mined, mined + 1])
      await chain.testClient.mine({ blocks: 1 })
    } finally {
      await chain.testClient.setAutomine(true)
    }
    expect(await sender.process()).toEqual({ sent: 0, confirmed: 2, failed: 0 })
    expect((await transfersTo(frank.address, fromBlock)).map((t) => t.value)).toEqual([parseUnits('1', 18), parseUnits('2', 18)])
    expect(h.ledger.balance(system('payouts_pending'))).toBe(0n)
    expect(checkLedger(h.sqlite)).toEqual([])
  })

  test('a treasury that never sent a transaction signs its first payout with nonce 0', async () => {
    const h = createMoneyHarness(chain, dev)
    // Dev account 9 has tokens and ether but no transaction yet on this chain.
    const fresh = devWallet(chain, 9)
    expect(await chain.publicClient.getTransactionCount({ address: fresh.account.address, blockTag: 'pending' })).toBe(0)
    const sender = new PayoutSender({ ...h.payoutDeps, walletClient: fresh as unknown as PayoutSenderDeps['walletClient'] })
    const accountId = await fundedFrank(h, parseUnits('10', 18))
    const payout = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('1', 18) })
    expect(await sendAndSettle(() => sender.process())).toEqual({ sent: 1, confirmed: 1, failed: 0 })
    expect(h.payouts.get(payout.id)).toMatchObject({ status: 'confirmed', nonce: 0 })
  })

  test("the chain's pending nonce wins when it is ahead of our records (the treasury sent something else)", async () => {
    const h = createMoneyHarness(chain, dev)
    const accountId = await fundedFrank(h, parseUnits('10', 18))
    const first = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('1', 18) })
    expect(await sendAndSettle(() => h.payouts.process())).toMatchObject({ sent: 1, confirmed: 1 })
    // An operator spends two nonces from the treasury outside Gridshare.
    for (let i = 0; i < 2; i++) await chain.publicClient.waitForTransactionReceipt({ hash: await chain.walletClient.sendTransaction({ to: chain.treasury, value: 0n, chain: chain.publicClient.chain, account: chain.walletClient.account }) })
    const second = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('1', 18) })
    expect(await sendAndSettle(() => h.payouts.process())).toMatchObject({ sent: 1, confirmed: 1 })
    expect(h.payouts.get(second.id)!.nonce).toBe(h.payouts.get(first.id)!.nonce! + 3)
  })
})

describe("the node's answers to a broadcast", () => {
  /** Forwards the transaction to anvil, then answers with `message` as geth does when
   *  viem's retry of a send that timed out reaches a node that already took it. */
  function answering(message: string, calls: Hex[]) {
    return clientWith({
      sendRawTransaction: (async (args: { serializedTransaction: Hex }) => {
        calls.push(args.serializedTransaction)
        await chain.publicClient.sendRawTransaction(args)
        throw new Error(`RPC Request failed.\n\nDetails: ${message}`)
      }) as ChainPublicClient['sendRawTransaction'],
    })
  }

  test('"already known": the send counts as done, nothing is logged, and the payout settles from the chain in the same run', async () => {
    const { logger, lines } = capturedLogger()
    const calls: Hex[] = []
    const h = createMoneyHarness(chain, dev)
    const accountId = await fundedFrank(h, parseUnits('10', 18))
    const fromBlock = (await head()) + 1n
    const payout = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('3', 18) })
    const sender = new PayoutSender({ ...h.payoutDeps, logger, publicClient: answering('already known', calls) })
    expect(await sender.process()).toEqual({ sent: 1, confirmed: 1, failed: 0 })
    expect(calls).toEqual([h.payouts.get(payout.id)!.rawTx])
    expect(lines).toEqual([])
    expect(await transfersTo(frank.address, fromBlock)).toHaveLength(1)
    expect(h.ledger.balancesOf(accountId).available).toBe(parseUnits('7', 18))
    expect(checkLedger(h.sqlite)).toEqual([])
  })

  test('"nonce too low": a warning for the operator, and the outcome is read from the chain, not sent again', async () => {
    const { logger, lines } = capturedLogger()
    const calls: Hex[] = []
    const h = createMoneyHarness(chain, dev)
    const accountId = await fundedFrank(h, parseUnits('10', 18))
    const fromBlock = (await head()) + 1n
    const payout = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('3', 18) })
    const sender = new PayoutSender({ ...h.payoutDeps, logger, publicClient: answering('nonce too low', calls) })
    expect(await sender.process()).toEqual({ sent: 1, confirmed: 1, failed: 0 })
    expect(calls).toHaveLength(1)
    expect(lines.map((l) => ({ level: l.level, msg: l.msg }))).toEqual([{ level: 40, msg: 'payout nonce already used; its outcome is read from the chain next run' }])
    expect((lines[0] as unknown as { err: { message: string } }).err.message).toContain('nonce too low')
    expect(h.payouts.get(payout.id)).toMatchObject({ status: 'confirmed' })
    expect(await transfersTo(frank.address, fromBlock)).toHaveLength(1)
    expect(checkLedger(h.sqlite)).toEqual([])
  })

  test('any other answer: logged, the payout stays submitted with its signed bytes, and the next run sends those same bytes', async () => {
    const { logger, lines } = capturedLogger()
    const h = createMoneyHarness(chain, dev)
    const accountId = await fundedFrank(h, parseUnits('10', 18))
    const fromBlock = (await head()) + 1n
    const payout = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('3', 18) })
    const calls: Hex[] = []
    const down = clientWith({
      sendRawTransaction: (async (args: { serializedTransaction: Hex }) => {
        calls.push(args.serializedTransaction)
        throw new Error('fetch failed: connect ECONNREFUSED')
      }) as ChainPublicClient['sendRawTransaction'],
    })
    expect(await new PayoutSender({ ...h.payoutDeps, logger, publicClient: down }).process()).toEqual({ sent: 0, confirmed: 0, failed: 0 })
    const submitted = h.payouts.get(payout.id)!
    expect(submitted).toMatchObject({ status: 'submitted' })
    expect(calls).toEqual([submitted.rawTx])
    expect(lines.map((l) => ({ level: l.level, msg: l.msg }))).toEqual([{ level: 50, msg: 'payout could not be sent; retrying next run' }])
    // The node is back: the first run settles nothing new, it rebroadcasts the recorded bytes.
    const sender = new PayoutSender({ ...h.payoutDeps, logger: pino({ level: 'silent' }) })
    expect(await sender.process()).toEqual({ sent: 0, confirmed: 0, failed: 0 })
    expect(await sender.process()).toEqual({ sent: 0, confirmed: 1, failed: 0 })
    expect(h.payouts.get(payout.id)).toMatchObject({ status: 'confirmed', txHash: submitted.txHash })
    expect(await transfersTo(frank.address, fromBlock)).toHaveLength(1)
    expect(checkLedger(h.sqlite)).toEqual([])
  })
})

describe('a payout the node dropped and now refuses', () => {
  // Found by issue 17's run: a transaction priced under a base-fee spike is dropped from the
  // pool; settle() finds it unknown and the node refuses the same bytes ("max fee per gas less
  // than block base fee"). It is re-priced with the same nonce, and the other payouts go out.
  test('a payout dropped in a fee spike is re-priced with its nonce, and the next payout still goes out', async () => {
    const h = createMoneyHarness(chain, dev)
    const accountId = await fundedFrank(h, parseUnits('10', 18))
    const dropped = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('1', 18) })
    await chain.testClient.setAutomine(false)
    try {
      await h.payouts.process()
      const sent = parseTransaction(h.payouts.get(dropped.id)!.rawTx as Hex)
      await chain.testClient.request({ method: 'anvil_setNextBlockBaseFeePerGas' as never, params: [`0x${(sent.maxFeePerGas! * 4n).toString(16)}`] as never })
      await chain.testClient.mine({ blocks: 1 })
    } finally {
      await chain.testClient.setAutomine(true)
    }
    const next = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('2', 18) })
    const before = h.payouts.get(dropped.id)!
    await h.payouts.process()
    expect(h.payouts.get(next.id)!.status).toBe('confirmed')
    // Re-signed at the same nonce with higher fees; the old hash is kept in case it is mined after all.
    const repriced = h.payouts.get(dropped.id)!
    expect(repriced.nonce).toBe(before.nonce)
    expect(repriced.txHash).not.toBe(before.txHash)
    expect(JSON.parse(repriced.replacedTxHashes)).toEqual([before.txHash])
    expect(parseTransaction(repriced.rawTx as Hex).maxFeePerGas!).toBeGreaterThan(parseTransaction(before.rawTx as Hex).maxFeePerGas!)
    // The next run sees it mined: paid once.
    await h.payouts.process()
    expect(h.payouts.get(dropped.id)!.status).toBe('confirmed')
  })
})
