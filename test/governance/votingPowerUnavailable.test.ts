import { expect, test } from 'vitest'
import { BaseError, getAddress, keccak256, toHex } from 'viem'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { VotingPower, type VotingPowerDeps } from '../../src/governance/VotingPower.ts'

// Every way a node says it has no state for the snapshot block becomes the one
// sentence for the voter (votingPowerCache.test.ts covers "header not found").

const TOKEN_ADDRESS = '0x00000000000000000000000000000000000000aa'

test.each([
  ['missing trie node', 'missing trie node 1f2e3d (path )'],
  ['block … not found, with the number between', 'block 0x2a not found'],
  ['block not found', 'block not found'],
  ['BlockOutOfRange in the message', 'BlockOutOfRange: block is out of range'],
])('a node answering "%s" gives the voter the unavailable sentence, and nothing is cached', async (_name, message) => {
  const { db, sqlite } = openDatabase(':memory:')
  const publicClient = {
    getBlockNumber: async () => 900n,
    readContract: async () => {
      throw new BaseError(message)
    },
  } as unknown as VotingPowerDeps['publicClient']
  const power = new VotingPower({ db, publicClient, token: TOKEN_ADDRESS, clock: () => 1 })
  const voters = [0, 1].map((i) => getAddress(keccak256(toHex(`unavailable/${i}`)).slice(0, 42)))
  await expect(power.atSnapshot({ id: 'p1', snapshotBlock: 42 }, voters)).rejects.toMatchObject({
    code: 'SNAPSHOT_STATE_UNAVAILABLE',
    message: `voting power at block 42 unavailable: ${message}`,
    userMessage: "The chain cannot tell balances at block 42, this proposal's snapshot, right now; nothing was recorded. Try again later.",
  })
  expect(sqlite.prepare('select count(*) as n from voting_power_cache').get()).toEqual({ n: 0 })
})

test('an error whose name says the block is out of range counts too, whatever its message', async () => {
  const { db } = openDatabase(':memory:')
  class BlockOutOfRangeError extends BaseError {
    override name = 'BlockOutOfRangeError'
  }
  const publicClient = {
    getBlockNumber: async () => 900n,
    readContract: async () => {
      throw new BlockOutOfRangeError('the node said no')
    },
  } as unknown as VotingPowerDeps['publicClient']
  const power = new VotingPower({ db, publicClient, token: TOKEN_ADDRESS, clock: () => 1 })
  await expect(power.atSnapshot({ id: 'p2', snapshotBlock: 7 }, [getAddress(keccak256(toHex('unavailable/x')).slice(0, 42))])).rejects.toMatchObject({
    code: 'SNAPSHOT_STATE_UNAVAILABLE',
  })
})
