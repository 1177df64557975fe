import { describe, expect, test } from 'vitest'
import { BaseError, getAddress, keccak256, toHex, type Address } from 'viem'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { VotingPower, type VotingPowerDeps } from '../../src/governance/VotingPower.ts'

// Voting power is the balance at the proposal's snapshot block, read from the
// chain once per (proposal, wallet): exact reads, exact rows, bounded concurrency.

const TOKEN_ADDRESS = '0x00000000000000000000000000000000000000aa'
const wallet = (i: number): Address => getAddress(keccak256(toHex(`voter/${i}`)).slice(0, 42))

/** A chain whose balance at a block is (wallet index + 1) × 1000 + block, recording every read. */
function countingChain(addresses: Address[]) {
  const reads: { address: Address; token: string; fn: string; block: bigint | undefined }[] = []
  let inFlight = 0
  let maxInFlight = 0
  const publicClient = {
    getBlockNumber: async (options?: { cacheTime?: number }) => {
      if (options?.cacheTime !== 0) throw new Error('latest block must not come from a cache')
      return 900n
    },
    readContract: async ({ address, functionName, args, blockNumber }: { address: string; functionName: string; args: [Address]; blockNumber?: bigint }) => {
      reads.push({ address: args[0], token: address, fn: functionName, block: blockNumber })
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      await new Promise((resolve) => setTimeout(resolve, 1))
      inFlight--
      return BigInt(addresses.indexOf(args[0]) + 1) * 1000n + (blockNumber ?? 900n)
    },
  } as unknown as VotingPowerDeps['publicClient']
  return { publicClient, reads, maxInFlight: () => maxInFlight }
}

function setup(count: number, concurrency?: number) {
  const { db, sqlite } = openDatabase(':memory:')
  const addresses = Array.from({ length: count }, (_, i) => wallet(i))
  const chain = countingChain(addresses)
  const power = new VotingPower({ db, publicClient: chain.publicClient, token: TOKEN_ADDRESS, clock: () => 5000, concurrency })
  return { sqlite, addresses, chain, power }
}

describe('VotingPower', () => {
  test('one wallet: read once at the snapshot block, then from the table; another proposal reads again', async () => {
    const { sqlite, addresses, chain, power } = setup(1)
    const proposal = { id: 'p1', snapshotBlock: 120 }
    expect(await power.atSnapshot(proposal, addresses)).toEqual(new Map([[addresses[0], 1120n]]))
    expect(await power.atSnapshot(proposal, addresses)).toEqual(new Map([[addresses[0], 1120n]]))
    expect(chain.reads).toEqual([{ address: addresses[0], token: TOKEN_ADDRESS, fn: 'balanceOf', block: 120n }])
    expect(sqlite.prepare('select proposal_id as p, address, power, fetched_at as at from voting_power_cache').all()).toEqual([{ p: 'p1', address: addresses[0], power: '1120', at: 5000 }])
    expect(await power.atSnapshot({ id: 'p2', snapshotBlock: 130 }, addresses)).toEqual(new Map([[addresses[0], 1130n]]))
    expect(chain.reads).toHaveLength(2)
  })

  test('1,201 wallets (three chunks of the cache query): each read once, at most `concurrency` at a time, then all from the table', async () => {
    const { sqlite, addresses, chain, power } = setup(1201, 3)
    const proposal = { id: 'p1', snapshotBlock: 7 }
    // Some already known: only the others are read.
    await power.atSnapshot(proposal, [addresses[0]!, addresses[600]!, addresses[1200]!])
    expect(chain.reads.map((r) => r.address)).toEqual([addresses[0], addresses[600], addresses[1200]])
    const first = await power.atSnapshot(proposal, addresses)
    expect(first.size).toBe(1201)
    expect([...first.entries()].every(([address, value]) => value === BigInt(addresses.indexOf(address) + 1) * 1000n + 7n)).toBe(true)
    expect(chain.reads).toHaveLength(1201)
    expect(new Set(chain.reads.map((r) => r.address)).size).toBe(1201)
    expect(chain.reads.every((r) => r.block === 7n && r.fn === 'balanceOf' && r.token === TOKEN_ADDRESS)).toBe(true)
    expect(chain.maxInFlight()).toBe(3)
    expect(sqlite.prepare('select count(*) as n from voting_power_cache').get()).toEqual({ n: 1201 })
    const again = await power.atSnapshot(proposal, addresses)
    expect(again).toEqual(first)
    expect(chain.reads).toHaveLength(1201)
    expect(await power.atSnapshot(proposal, [])).toEqual(new Map())
  })

  test('current power is the sum of balances at the latest block, read every time (8 at a time by default)', async () => {
    const { addresses, chain, power } = setup(20)
    expect(await power.current(addresses.slice(0, 2))).toBe(1900n + 2900n)
    expect(await power.current(addresses.slice(0, 2))).toBe(4800n)
    expect(chain.reads.map((r) => r.block)).toEqual([undefined, undefined, undefined, undefined])
    await power.current(addresses)
    expect(chain.maxInFlight()).toBe(8)
    expect(await power.current([])).toBe(0n)
    expect(await power.latestBlock()).toBe(900n)
  })

  test('a node without the snapshot block\'s state: the voter gets a sentence, nothing is cached; other errors pass through', async () => {
    const { db, sqlite } = openDatabase(':memory:')
    let failure: Error = new BaseError('header not found')
    const publicClient = {
      getBlockNumber: async () => 900n,
      readContract: async () => {
        throw failure
      },
    } as unknown as VotingPowerDeps['publicClient']
    const power = new VotingPower({ db, publicClient, token: TOKEN_ADDRESS, clock: () => 1 })
    await expect(power.atSnapshot({ id: 'p1', snapshotBlock: 42 }, [wallet(0)])).rejects.toMatchObject({
      code: 'SNAPSHOT_STATE_UNAVAILABLE',
      message: 'voting power at block 42 unavailable: header not found',
      userMessage: "The chain cannot tell balances at block 42, this proposal's snapshot, right now; nothing was recorded. Try again later.",
    })
    expect(sqlite.prepare('select count(*) as n from voting_power_cache').get()).toEqual({ n: 0 })
    failure = new BaseError('execution reverted')
    await expect(power.atSnapshot({ id: 'p1', snapshotBlock: 42 }, [wallet(0)])).rejects.toBe(failure)
    failure = new Error('header not found')
    await expect(power.atSnapshot({ id: 'p1', snapshotBlock: 42 }, [wallet(0)])).rejects.toBe(failure)
  })
})
