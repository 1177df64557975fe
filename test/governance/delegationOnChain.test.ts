import { afterAll, beforeAll, expect, test } from 'vitest'
import delegate from '../../commands/delegate.ts'
import undelegate from '../../commands/undelegate.ts'
import { gridTokenArtifact } from '../../src/chain/contractArtifacts.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { deployDevContracts, devWallet, startTestChain, type TestChain } from '../chain/testChain.ts'
import { createGovernanceHarness, TOKEN } from './governanceHarness.ts'

let chain: TestChain
let dev: EnsureDevChainReturnType

beforeAll(async () => {
  chain = await startTestChain()
  dev = await deployDevContracts(chain)
})
afterAll(async () => {
  await chain?.stop()
})

async function transfer(from: number, to: `0x${string}`, amount: bigint) {
  const hash = await devWallet(chain, from).writeContract({ address: dev.token, abi: gridTokenArtifact.abi, functionName: 'transfer', args: [to, amount] })
  await chain.publicClient.waitForTransactionReceipt({ hash })
}

test('on anvil: the delegator\'s balance at the snapshot block counts, through an undelegate and a transfer after it, until the delegator votes', async () => {
  const h = createGovernanceHarness({ publicClient: chain.publicClient, token: dev.token, start: Date.now(), extraCommands: [delegate, undelegate] })
  const [a, b, c] = [3, 4, 5].map((i) => devWallet(chain, i).account.address)
  const alice = h.holder('alice', { [a!]: 0 })
  const bob = h.holder('bob', { [b!]: 0 })
  const carol = h.holder('carol', { [c!]: 0 })
  await alice.run('/delegate @bob')
  h.clock.now += 1000
  const proposal = await h.propose({ title: 'On chain' })
  h.clock.now += 1000
  // After the snapshot block: alice moves 9,000 to carol, undelegates; carol delegates to bob.
  await transfer(3, c!, 9_000n * TOKEN)
  await alice.run('/undelegate')
  await carol.run('/delegate @bob')
  expect(await chain.publicClient.getBlockNumber()).toBeGreaterThan(BigInt(proposal.snapshotBlock))

  // Every dev wallet held 10,000 at the snapshot: bob 10,000 own + alice 10,000 carried; carol's delegation came later.
  expect((await bob.run(`/vote ${proposal.id} For`))!.text).toMatch(/^Voted For on p1 with 20,000 GRID: 10,000 GRID your own and 10,000 GRID delegated to you by 1 account\./)
  expect((await carol.run(`/vote ${proposal.id} Abstain`))!.text).toMatch(/^Voted Abstain on p1 with 10,000 GRID\./)
  expect(h.governance.tally(h.governance.proposal(proposal.id)).scores).toEqual([20_000, 0, 10_000])
  // Alice overrides with her snapshot balance (10,000), though she now holds 1,000.
  await alice.vote(proposal.id, 'Against')
  expect(h.governance.tally(h.governance.proposal(proposal.id)).scores).toEqual([10_000, 10_000, 10_000])
})
