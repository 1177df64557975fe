import { afterAll, beforeAll, expect, test } from 'vitest'
import { LocalSnapshot } from './LocalSnapshot.ts'
import { authorizeWallet, snapshotHarness, walletHolder } from './snapshotFixture.ts'

let local: LocalSnapshot

beforeAll(async () => {
  local = await new LocalSnapshot().start()
})
afterAll(async () => {
  await local?.stop()
})

test('a delegate voting on a Snapshot proposal is told its delegators\' power is not part of it, and only its own wallet votes on the hub', async () => {
  const h = snapshotHarness(local)
  const hubProposal = local.addProposal({ title: 'Fund the indexer' })
  await h.governance.syncSnapshot()
  const id = `s-${hubProposal.id.slice(2, 8)}`
  const alice = walletHolder(h, 'alice')
  const bob = walletHolder(h, 'bob')
  await h.governance.delegations.delegate(alice.accountId, h.governance.delegations.parseTarget('telegram', '@bob'))
  await authorizeWallet(h, bob.accountId, bob.wallet)
  const reply = await bob.run(`/vote ${id} For`)
  expect(reply!.text).toBe(
    `Your vote For on ${id} was signed for Snapshot.\nSnapshot accepted your vote on ${id} from ${bob.address} (receipt ${local.votes[0]!.id}).\nDelegation counts on native proposals only: this Snapshot vote carries your own power, not your delegators'.`,
  )
  expect(local.votes.map((v) => v.voter)).toEqual([bob.address])
})
