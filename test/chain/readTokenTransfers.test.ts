import { afterAll, beforeAll, expect, test } from 'vitest'
import { erc20Abi, getAddress, maxUint256, type Address, type Hash } from 'viem'
import { disperseArtifact } from '../../src/chain/contractArtifacts.ts'
import { readTokenTransfers, type TokenTransfer } from '../../src/chain/readTokenTransfers.ts'
import { deployDevContracts, devWallet, freshAddresses, startTestChain, type TestChain } from './testChain.ts'

let chain: TestChain
let token: Address
let disperse: Address

beforeAll(async () => {
  chain = await startTestChain()
  ;({ token, disperse } = await deployDevContracts(chain))
})
afterAll(() => chain.stop())

async function transfer(fromIndex: number, to: Address, value: bigint): Promise<Hash> {
  return devWallet(chain, fromIndex).writeContract({ address: token, abi: erc20Abi, functionName: 'transfer', args: [to, value] })
}

async function mined(hash: Hash) {
  return chain.publicClient.waitForTransactionReceipt({ hash })
}

const latest = () => chain.publicClient.getBlockNumber({ cacheTime: 0 })

test('finds exactly the transfers to the treasury, in (block, logIndex) order, across chunk boundaries', async () => {
  const [other1, other2] = freshAddresses(2, 'read')
  const fromBlock = (await latest()) + 1n
  const expected: TokenTransfer[] = []
  const expectFromReceipt = async (hash: Hash, logIndexes: number[]) => {
    const receipt = await mined(hash)
    for (const logIndex of logIndexes) {
      const log = receipt.logs.find((entry) => entry.logIndex === logIndex)!
      expected.push({
        txHash: hash,
        logIndex,
        blockNumber: receipt.blockNumber,
        blockHash: receipt.blockHash,
        from: getAddress(`0x${log.topics[1]!.slice(26)}`),
        to: chain.treasury,
        value: BigInt(log.data),
      })
    }
  }

  await expectFromReceipt(await transfer(1, chain.treasury, 1n), [0])
  await chain.testClient.mine({ blocks: 3 })
  await mined(await transfer(2, other1!, 5n))
  // One transaction with four Transfer logs, two of them to the treasury.
  const payer = devWallet(chain, 3)
  await mined(await payer.writeContract({ address: token, abi: erc20Abi, functionName: 'approve', args: [disperse, maxUint256] }))
  await expectFromReceipt(
    await payer.writeContract({
      address: disperse,
      abi: disperseArtifact.abi,
      functionName: 'disperseToken',
      args: [token, [other1!, chain.treasury, other2!, chain.treasury], [1n, 2n, 3n, 4n]],
    }),
    [1, 3],
  )
  await chain.testClient.mine({ blocks: 5 })
  // Two transactions in one block: log indexes run across the block, 0 then 1.
  await chain.testClient.setAutomine(false)
  const first = await transfer(1, chain.treasury, 10n)
  const second = await transfer(2, chain.treasury, 11n)
  await chain.testClient.mine({ blocks: 1 })
  await chain.testClient.setAutomine(true)
  const sameBlock = (await Promise.all([first, second].map(mined))).sort((a, b) => a.transactionIndex - b.transactionIndex)
  expect(sameBlock[0]!.blockNumber).toBe(sameBlock[1]!.blockNumber)
  await expectFromReceipt(sameBlock[0]!.transactionHash, [0])
  await expectFromReceipt(sameBlock[1]!.transactionHash, [1])
  await expectFromReceipt(await transfer(1, chain.treasury, 7n), [0])
  const toBlock = await latest()

  expect(expected.map(({ value, logIndex }) => [value, logIndex])).toEqual([[1n, 0], [2n, 1], [4n, 3], [10n, 0], [11n, 1], [7n, 0]])
  for (const chunkSize of [1n, 2n, 3n, 7n, undefined]) {
    const found = await readTokenTransfers(chain.publicClient, { token, to: chain.treasury, fromBlock, toBlock, chunkSize })
    expect(found, `chunkSize ${chunkSize}`).toEqual(expected)
  }
  // Ranges are inclusive at both ends.
  expect(await readTokenTransfers(chain.publicClient, { token, to: chain.treasury, fromBlock, toBlock: fromBlock })).toEqual(expected.slice(0, 1))
  expect(await readTokenTransfers(chain.publicClient, { token, to: chain.treasury, fromBlock: toBlock, toBlock })).toEqual(expected.slice(-1))
  expect(await readTokenTransfers(chain.publicClient, { token, to: chain.treasury, fromBlock: toBlock + 1n, toBlock })).toEqual([])
})

test('filters by sender when `from` is given', async () => {
  const [recipient] = freshAddresses(1, 'from-filter')
  const fromBlock = (await latest()) + 1n
  const hash = await transfer(4, recipient!, 42n)
  await mined(await transfer(5, recipient!, 43n))
  const found = await readTokenTransfers(chain.publicClient, { token, from: devWallet(chain, 4).account.address, fromBlock, toBlock: await latest() })
  expect(found.map(({ txHash, to, value }) => ({ txHash, to, value }))).toEqual([{ txHash: hash, to: recipient, value: 42n }])
})

test('a transfer dropped by a reorg disappears', async () => {
  const fromBlock = (await latest()) + 1n
  const snapshot = await chain.testClient.snapshot()
  const hash = await transfer(6, chain.treasury, 99n)
  const { blockNumber } = await mined(hash)
  await chain.testClient.mine({ blocks: 2 })
  const seen = await readTokenTransfers(chain.publicClient, { token, to: chain.treasury, fromBlock, toBlock: await latest() })
  expect(seen.map(({ txHash, value }) => ({ txHash, value }))).toEqual([{ txHash: hash, value: 99n }])

  // The chain is rolled back and grows past the old height with other blocks.
  await chain.testClient.revert({ id: snapshot })
  await chain.testClient.mine({ blocks: 4 })
  expect(await latest()).toBeGreaterThan(blockNumber + 2n)
  expect(await readTokenTransfers(chain.publicClient, { token, to: chain.treasury, fromBlock, toBlock: await latest() })).toEqual([])
})

test('anvil_reorg replaces recent blocks: the old transfer is gone and the replacement has a new block hash', async () => {
  const fromBlock = (await latest()) + 1n
  const original = await mined(await transfer(7, chain.treasury, 5n))
  await chain.testClient.mine({ blocks: 1 })
  const before = await readTokenTransfers(chain.publicClient, { token, to: chain.treasury, fromBlock, toBlock: await latest() })
  expect(before.map(({ value, blockHash }) => [value, blockHash])).toEqual([[5n, original.blockHash]])

  // Reorg depth 2 re-mines both blocks without the transfer.
  await chain.testClient.request({ method: 'anvil_reorg' as never, params: [2, []] as never })
  const after = await readTokenTransfers(chain.publicClient, { token, to: chain.treasury, fromBlock, toBlock: await latest() })
  expect(after).toEqual([])
  expect((await chain.publicClient.getBlock({ blockNumber: original.blockNumber })).hash).not.toBe(original.blockHash)
})

test('error: chunkSize below 1', async () => {
  await expect(readTokenTransfers(chain.publicClient, { token, fromBlock: 0n, toBlock: 1n, chunkSize: 0n })).rejects.toThrowErrorMatchingInlineSnapshot(`[RangeError: chunkSize must be at least 1, got 0]`)
})
