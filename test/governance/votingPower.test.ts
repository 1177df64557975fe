import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { gridTokenArtifact } from '../../src/chain/contractArtifacts.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import type { GovernanceDeps } from '../../src/governance/Governance.ts'
import { deployDevContracts, devWallet, freshAddresses, startTestChain, type TestChain } from '../chain/testChain.ts'
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

/** The real public client, counting balance reads. */
function countingClient() {
  const counter = { reads: 0 }
  const publicClient = {
    getBlockNumber: (args?: object) => chain.publicClient.getBlockNumber(args),
    readContract: (args: Parameters<typeof chain.publicClient.readContract>[0]) => {
      counter.reads++
      return chain.publicClient.readContract(args)
    },
  } as unknown as GovernanceDeps['publicClient']
  return { publicClient, counter }
}

async function transfer(from: number, to: `0x${string}`, amount: bigint) {
  const wallet = devWallet(chain, from)
  const hash = await wallet.writeContract({ address: dev.token, abi: gridTokenArtifact.abi, functionName: 'transfer', args: [to, amount] })
  await chain.publicClient.waitForTransactionReceipt({ hash })
}

describe('voting power on a real chain', () => {
  test('is the balance at the snapshot block: tokens moved afterwards change nothing', async () => {
    const { publicClient, counter } = countingClient()
    const h = createGovernanceHarness({ publicClient, token: dev.token, start: Date.now() })
    const [aliceWallet, bobWallet] = [devWallet(chain, 3).account.address, devWallet(chain, 4).account.address]
    const alice = h.holder('alice', { [aliceWallet]: 0 })
    const bob = h.holder('bob', { [bobWallet]: 0 })
    const proposal = await h.propose({ title: 'Snapshot test' })
    expect(BigInt(proposal.snapshotBlock)).toBe(await chain.publicClient.getBlockNumber())

    await transfer(3, bobWallet, 9_000n * TOKEN)
    await alice.vote(proposal.id, 'Against')
    await bob.vote(proposal.id, 'For')
    expect(h.governance.voteRecords(proposal.id).map((r) => [r.address, r.power])).toEqual(
      [
        [aliceWallet, 10_000n * TOKEN],
        [bobWallet, 10_000n * TOKEN],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    )
    expect(h.governance.tally(h.governance.proposal(proposal.id)).scores).toEqual([10_000, 10_000, 0])

    // Cached per (proposal, wallet): changing a vote reads nothing from the chain.
    const reads = counter.reads
    await bob.vote(proposal.id, 'Abstain')
    expect(counter.reads).toBe(reads)
    expect(h.sqlite.prepare('select count(*) as n from voting_power_cache').get()).toEqual({ n: 2 })

    // A newer proposal sees the moved balance.
    const later = await h.propose({ title: 'After the transfer' })
    await alice.vote(later.id, 'For')
    expect(h.governance.voteRecords(later.id)[0]!.power).toBe(1_000n * TOKEN)
  })

  test('an explicit earlier snapshot block counts balances as they were then', async () => {
    const h = createGovernanceHarness({ publicClient: chain.publicClient, token: dev.token, start: Date.now() })
    const [fresh] = freshAddresses(1, 'governance-snapshot')
    const before = await chain.publicClient.getBlockNumber()
    await transfer(5, fresh!, 50n * TOKEN)
    const holder = h.holder('late', { [fresh!]: 0 })
    const proposal = await h.propose({ title: 'Old snapshot', snapshot: String(before) })
    expect(proposal.snapshotBlock).toBe(Number(before))
    await expect(holder.vote(proposal.id, 'For')).rejects.toMatchObject({
      userMessage: `Your linked wallet ${fresh} held no GRID at block ${before}, the snapshot of p1, so you have no voting power on it.`,
    })
  })
})

describe('a snapshot block the node cannot answer for', () => {
  test('error: the voter gets one sentence and nothing is cached', async () => {
    const { VotingPower } = await import('../../src/governance/VotingPower.ts')
    const h = createGovernanceHarness()
    const power = new VotingPower({ db: h.db, publicClient: chain.publicClient, token: dev.token, clock: () => 0 })
    const [address] = freshAddresses(1, 'snapshot-out-of-range')
    const future = Number(await chain.publicClient.getBlockNumber()) + 1000
    const proposal = { id: 'p9', snapshotBlock: future }
    await expect(power.atSnapshot(proposal, [address!])).rejects.toMatchObject({
      code: 'SNAPSHOT_STATE_UNAVAILABLE',
      userMessage: `The chain cannot tell balances at block ${future}, this proposal's snapshot, right now; nothing was recorded. Try again later.`,
    })
    expect(h.sqlite.prepare('select count(*) as n from voting_power_cache').get()).toEqual({ n: 0 })
  })
})
