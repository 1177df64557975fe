import { describe, expect, test } from 'vitest'
import { getAddress, keccak256, toHex, type Address } from 'viem'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { VotingPower, type VotingPowerDeps } from '../../src/governance/VotingPower.ts'

// The cache query of VotingPower.atSnapshot runs in chunks of 500 addresses
// (SQLite binds at most 32,766 variables a statement). These pin the chunk
// boundaries and a voter list larger than one unchunked statement could hold.

const TOKEN_ADDRESS = '0x00000000000000000000000000000000000000aa'
const CHUNK = 500
const wallet = (i: number): Address => getAddress(keccak256(toHex(`chunk-voter/${i}`)).slice(0, 42))

/** A chain whose balance at block b of wallet i is (i + 1) × 1000 + b; it records every read. */
function countingChain(addresses: Address[]) {
  const index = new Map(addresses.map((a, i) => [a, i]))
  const reads: Address[] = []
  const publicClient = {
    getBlockNumber: async () => 900n,
    readContract: async ({ args, blockNumber }: { args: [Address]; blockNumber?: bigint }) => {
      reads.push(args[0])
      return BigInt(index.get(args[0])! + 1) * 1000n + (blockNumber ?? 900n)
    },
  } as unknown as VotingPowerDeps['publicClient']
  return { publicClient, reads }
}

function setup(count: number) {
  const { db, sqlite } = openDatabase(':memory:')
  const addresses = Array.from({ length: count }, (_, i) => wallet(i))
  const chain = countingChain(addresses)
  const power = new VotingPower({ db, publicClient: chain.publicClient, token: TOKEN_ADDRESS, clock: () => 5000, concurrency: 64 })
  return { sqlite, addresses, chain, power }
}

const expected = (addresses: Address[], block: bigint) => new Map(addresses.map((a, i) => [a, BigInt(i + 1) * 1000n + block]))

describe('VotingPower: the cache query in chunks of 500', () => {
  test.each([
    [CHUNK, 'exactly one chunk'],
    [CHUNK + 1, 'one chunk and one wallet'],
    [2 * CHUNK, 'exactly two chunks'],
  ])('%i wallets (%s): the cached wallets at each chunk edge are not read again, every other wallet once', async (count) => {
    const { sqlite, addresses, chain, power } = setup(count)
    const proposal = { id: 'p1', snapshotBlock: 42 }
    // Cached first: the first and last wallet of every chunk, and the very last wallet.
    const edges = [...new Set([0, CHUNK - 1, CHUNK, 2 * CHUNK - 1, count - 1].filter((i) => i < count))].map((i) => addresses[i]!)
    await power.atSnapshot(proposal, edges)
    expect(chain.reads).toEqual(edges)

    const all = await power.atSnapshot(proposal, addresses)
    expect(all).toEqual(expected(addresses, 42n))
    expect(chain.reads).toHaveLength(count)
    expect(new Set(chain.reads).size).toBe(count)
    expect(sqlite.prepare('select count(*) as n from voting_power_cache where proposal_id = ?').get('p1')).toEqual({ n: count })

    // Served from the table now: no read at all.
    expect(await power.atSnapshot(proposal, addresses)).toEqual(all)
    expect(chain.reads).toHaveLength(count)
  })

  test('33,000 wallets, more than one SQLite statement may bind: each read once, then all from the table', async () => {
    const { sqlite, addresses, chain, power } = setup(33_000)
    const proposal = { id: 'p9', snapshotBlock: 3 }
    const first = await power.atSnapshot(proposal, addresses)
    expect(first.size).toBe(33_000)
    expect(first).toEqual(expected(addresses, 3n))
    expect(chain.reads).toHaveLength(33_000)
    expect(sqlite.prepare('select count(*) as n from voting_power_cache').get()).toEqual({ n: 33_000 })
    expect(await power.atSnapshot(proposal, addresses)).toEqual(first)
    expect(chain.reads).toHaveLength(33_000)
  }, 60_000)
})
