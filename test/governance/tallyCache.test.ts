import { expect, test } from 'vitest'
import { createGovernanceHarness } from './governanceHarness.ts'

test('a changed vote in the same millisecond, to a choice of the same length, refreshes the cached tally', async () => {
  const h = createGovernanceHarness({ adminIds: ['telegram:admin'] })
  const alice = h.holder('alice', { main: 10 })
  const proposal = await h.propose({ title: 'Raise fee', choices: 'Yes,Nay', duration: '72' })
  await alice.vote(proposal.id, 1)
  expect(h.governance.tally(h.governance.proposal(proposal.id)).scores).toEqual([10, 0])
  // The clock does not move: same count, same last time, same choice length.
  await alice.vote(proposal.id, 2)
  expect(h.governance.tally(h.governance.proposal(proposal.id)).scores).toEqual([0, 10])
})
