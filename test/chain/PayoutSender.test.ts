import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { erc20Abi, parseUnits, type Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { PayoutSender } from '../../src/chain/PayoutSender.ts'
import { readTokenTransfers } from '../../src/chain/readTokenTransfers.ts'
import { system } from '../../src/ledger/balanceKeys.ts'
import { checkLedger } from '../../src/ledger/checkLedger.ts'
import { createMoneyHarness } from '../support/moneyHarness.ts'
import { fundedHolder } from '../support/payoutFixtures.ts'
import { deployDevContracts, startTestChain, type TestChain } from './testChain.ts'

let chain: TestChain
let dev: EnsureDevChainReturnType
const dave = privateKeyToAccount(devAccounts(5)[4]!.privateKey)

beforeAll(async () => {
  chain = await startTestChain()
  dev = await deployDevContracts(chain)
})
afterAll(() => chain?.stop())

const fundedDave = (h: ReturnType<typeof createMoneyHarness>, amount: bigint) => fundedHolder(h, { id: '44', name: 'dave' }, dave, amount)

const balanceOf = (address: Address) => chain.publicClient.readContract({ address: dev.token, abi: erc20Abi, functionName: 'balanceOf', args: [address] })

async function transfersTo(address: Address, fromBlock: bigint) {
  const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 })
  return readTokenTransfers(chain.publicClient, { token: dev.token, to: address, from: chain.treasury, fromBlock, toBlock: head })
}

describe('withdrawals', () => {
  test('a withdrawal lands on-chain and settles the ledger', async () => {
    const h = createMoneyHarness(chain, dev)
    const accountId = await fundedDave(h, parseUnits('10', 18))
    const before = await balanceOf(dave.address)
    const payout = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('4.25', 18) })
    expect(h.ledger.balancesOf(accountId).available).toBe(parseUnits('5.75', 18))
    expect(await h.payouts.process()).toEqual({ sent: 1, confirmed: 1, failed: 0 })
    expect(await balanceOf(dave.address)).toBe(before + parseUnits('4.25', 18))
    expect(h.payouts.get(payout.id)).toMatchObject({ status: 'confirmed', toAddress: dave.address })
    expect(h.ledger.balance(system('payouts_pending'))).toBe(0n)
    expect(checkLedger(h.sqlite)).toEqual([])
  })

  test.each([
    ['insufficient balance', parseUnits('11', 18), 'You asked to withdraw 11 GRID but have 10 GRID available.'],
  ])('error: %s', async (_name, amount, message) => {
    const h = createMoneyHarness(chain, dev)
    const accountId = await fundedDave(h, parseUnits('10', 18))
    expect(() => h.payouts.requestWithdrawal({ accountId, amount })).toThrow(message)
    expect(h.ledger.balancesOf(accountId).available).toBe(parseUnits('10', 18))
  })

  test('error: no linked wallet', () => {
    const h = createMoneyHarness(chain, dev)
    const { accountId } = h.identity({ platform: 'telegram', id: '1', name: 'x' })
    expect(() => h.payouts.requestWithdrawal({ accountId, amount: 1n })).toThrow('You have no linked wallet to withdraw to; use /link first.')
  })

  test('a withdrawal interrupted after submit is completed exactly once after restart', async () => {
    const h = createMoneyHarness(chain, dev)
    const accountId = await fundedDave(h, parseUnits('10', 18))
    const fromBlock = (await chain.publicClient.getBlockNumber({ cacheTime: 0 })) + 1n
    const before = await balanceOf(dave.address)
    const payout = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('2', 18) })
    const crashing = new PayoutSender({
      ...h.payoutDeps,
      afterRecordSubmitted: () => {
        throw new Error('process killed')
      },
    })
    await expect(crashing.process()).rejects.toThrow('process killed')
    expect(h.payouts.get(payout.id)).toMatchObject({ status: 'submitted' })
    // The restarted service resumes from the recorded signed transaction, twice for good measure.
    const restarted = new PayoutSender(h.payoutDeps)
    // Runs on its schedule until the chain reports the receipt (it can lag a send under load).
    for (let run = 0; run < 20 && h.payouts.get(payout.id)!.status !== 'confirmed'; run++) {
      await restarted.process()
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await restarted.process()
    expect(h.payouts.get(payout.id)).toMatchObject({ status: 'confirmed' })
    expect(await transfersTo(dave.address, fromBlock)).toHaveLength(1)
    expect(await balanceOf(dave.address)).toBe(before + parseUnits('2', 18))
    expect(checkLedger(h.sqlite)).toEqual([])
  })

  test('a withdrawal broadcast before a crash is not sent again', async () => {
    const h = createMoneyHarness(chain, dev)
    const accountId = await fundedDave(h, parseUnits('10', 18))
    const fromBlock = (await chain.publicClient.getBlockNumber({ cacheTime: 0 })) + 1n
    h.payouts.requestWithdrawal({ accountId, amount: parseUnits('1', 18) })
    await chain.testClient.setAutomine(false)
    try {
      expect(await h.payouts.process()).toMatchObject({ sent: 1, confirmed: 0 })
      await new PayoutSender(h.payoutDeps).process()
      await chain.testClient.mine({ blocks: 1 })
    } finally {
      await chain.testClient.setAutomine(true)
    }
    expect(await new PayoutSender(h.payoutDeps).process()).toMatchObject({ sent: 0, confirmed: 1 })
    expect(await transfersTo(dave.address, fromBlock)).toHaveLength(1)
    expect(checkLedger(h.sqlite)).toEqual([])
  })

  test('a transaction stuck in the mempool is replaced with higher fees and pays once', async () => {
    let now = Date.now()
    const h = createMoneyHarness(chain, dev, { clock: () => now })
    const accountId = await fundedDave(h, parseUnits('10', 18))
    const fromBlock = (await chain.publicClient.getBlockNumber({ cacheTime: 0 })) + 1n
    const payout = h.payouts.requestWithdrawal({ accountId, amount: parseUnits('3', 18) })
    await chain.testClient.setAutomine(false)
    try {
      await h.payouts.process()
      const first = h.payouts.get(payout.id)!
      now += 4 * 60_000
      await h.payouts.process()
      expect(h.payouts.get(payout.id)!.txHash).toBe(first.txHash) // not stuck yet
      now += 2 * 60_000
      await h.payouts.process()
      const replaced = h.payouts.get(payout.id)!
      expect(replaced.txHash).not.toBe(first.txHash)
      expect(JSON.parse(replaced.replacedTxHashes)).toEqual([first.txHash])
      expect(replaced.nonce).toBe(first.nonce)
      await chain.testClient.mine({ blocks: 1 })
    } finally {
      await chain.testClient.setAutomine(true)
    }
    expect(await h.payouts.process()).toMatchObject({ confirmed: 1 })
    expect(await transfersTo(dave.address, fromBlock)).toHaveLength(1)
    expect(checkLedger(h.sqlite)).toEqual([])
  })
})
