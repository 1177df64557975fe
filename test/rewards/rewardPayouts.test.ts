import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { erc20Abi, type Address } from 'viem'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { PayoutSender } from '../../src/chain/PayoutSender.ts'
import { readTokenTransfers } from '../../src/chain/readTokenTransfers.ts'
import { deployDevContracts, startTestChain, type TestChain } from '../chain/testChain.ts'
import { onChainPayoutDeps } from '../support/payoutFixtures.ts'
import { createRewardsHarness } from '../support/rewardsHarness.ts'

let chain: TestChain
let dev: EnsureDevChainReturnType
const DAY = 24 * 3600_000

beforeAll(async () => {
  chain = await startTestChain()
  dev = await deployDevContracts(chain)
})
afterAll(() => chain?.stop())

/** An epoch closed for `count` providers with fresh wallets, and a payout sender on anvil. */
function closedEpoch(count: number, offset: number) {
  const h = createRewardsHarness()
  const start = h.clock.now
  const providers = Array.from({ length: count }, (_, i) => h.provider(offset + i, { nodeKey: `n${i}` }))
  providers.forEach((p, i) => h.uptime(p.nodeId, start, start + DAY - i * 60_000))
  h.clock.now += DAY
  const [epoch] = h.epochs.closeDue()
  const deps = onChainPayoutDeps(h, chain, dev.token, { disperse: dev.disperse, batchSize: 20 })
  return { h, epoch: epoch!, providers, deps }
}

const balanceOf = (address: Address) => chain.publicClient.readContract({ address: dev.token, abi: erc20Abi, functionName: 'balanceOf', args: [address] })

async function transfersFromTreasury(fromBlock: bigint) {
  const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 })
  return readTokenTransfers(chain.publicClient, { token: dev.token, from: chain.treasury, fromBlock, toBlock: head })
}

describe('reward payouts on-chain', () => {
  test('50 providers are each paid exactly once in batched transactions matching the statement', async () => {
    const { h, epoch, providers, deps } = closedEpoch(50, 1000)
    const fromBlock = (await chain.publicClient.getBlockNumber({ cacheTime: 0 })) + 1n
    expect(await new PayoutSender(deps).process()).toEqual({ sent: 50, confirmed: 50, failed: 0 })
    expect(await new PayoutSender(deps).process()).toEqual({ sent: 0, confirmed: 0, failed: 0 })
    const transfers = await transfersFromTreasury(fromBlock)
    expect(transfers).toHaveLength(50)
    expect(new Set(transfers.map((t) => t.txHash)).size).toBe(3) // 20 + 20 + 10
    const tree = StandardMerkleTree.load(JSON.parse(epoch.tree))
    for (const [i, [address, amount]] of tree.entries()) {
      expect(StandardMerkleTree.verify(epoch.merkleRoot, ['address', 'uint256'], [address, amount], tree.getProof(i))).toBe(true)
      expect(await balanceOf(address as Address)).toBe(BigInt(amount as string))
    }
    expect(tree.length).toBe(providers.length)
    expect(h.invariants()).toEqual([])
  })

  test.each([
    ['before submit', 'before'],
    ['after submit, before the receipt', 'submitted'],
    ['after the receipt, before the database write', 'mined'],
  ] as const)('a payout run killed %s is completed with one transfer per payout', async (_name, stage) => {
    const { h, deps } = closedEpoch(5, 2000 + (stage === 'before' ? 0 : stage === 'submitted' ? 100 : 200))
    const fromBlock = (await chain.publicClient.getBlockNumber({ cacheTime: 0 })) + 1n
    if (stage === 'submitted') {
      const dying = new PayoutSender({ ...deps, afterRecordSubmitted: () => { throw new Error('killed') } })
      await expect(dying.process()).rejects.toThrow('killed')
    }
    if (stage === 'mined') {
      await chain.testClient.setAutomine(false)
      try {
        await new PayoutSender(deps).process() // broadcast, then the process dies before the receipt is recorded
        await chain.testClient.mine({ blocks: 1 })
      } finally {
        await chain.testClient.setAutomine(true)
      }
    }
    // The scheduler runs this every few seconds; a busy anvil may need a tick more to show the receipt.
    const statuses = () => h.sqlite.prepare('select status from payouts').all()
    for (let tick = 0; tick < 10 && !statuses().every((s) => (s as { status: string }).status === 'confirmed'); tick++) {
      await new PayoutSender(deps).process()
      if (tick > 0) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(statuses()).toEqual(Array(5).fill({ status: 'confirmed' }))
    const transfers = await transfersFromTreasury(fromBlock)
    expect(transfers).toHaveLength(5)
    expect(new Set(transfers.map((t) => t.to)).size).toBe(5)
    expect(h.invariants()).toEqual([])
  })

  test('without a Disperse contract (an external chain) reward payouts go out as single transfers', async () => {
    const { h, deps } = closedEpoch(3, 3000)
    const fromBlock = (await chain.publicClient.getBlockNumber({ cacheTime: 0 })) + 1n
    expect(await new PayoutSender({ ...deps, disperse: undefined }).process()).toEqual({ sent: 3, confirmed: 3, failed: 0 })
    const transfers = await transfersFromTreasury(fromBlock)
    expect(transfers).toHaveLength(3)
    expect(new Set(transfers.map((t) => t.txHash)).size).toBe(3)
    expect(h.invariants()).toEqual([])
  })
})
