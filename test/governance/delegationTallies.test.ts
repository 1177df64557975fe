import { describe, expect, test } from 'vitest'
import delegate from '../../commands/delegate.ts'
import delegates from '../../commands/delegates.ts'
import undelegate from '../../commands/undelegate.ts'
import { wallets } from '../../src/db/schema/wallets.ts'
import { addressOf, createGovernanceHarness, HOUR, TOKEN } from './governanceHarness.ts'

// Every expected score below is worked out by hand from the balances; the
// tallies themselves come from snapshot.js's voting classes (tallyVotes).

function harness() {
  const h = createGovernanceHarness({ extraCommands: [delegate, undelegate, delegates] })
  const scores = (id = 'p1') => h.governance.tally(h.governance.proposal(id)).scores
  const rows = (id = 'p1') => h.governance.voteRecords(id).map((r) => [r.address, r.accountId, r.choice, r.power, r.delegate])
  return { h, scores, rows }
}

describe('a delegate votes with its own and its delegators\' power', () => {
  test('a delegator who votes overrides the delegate, also after the delegate voted; the delegate changing its vote leaves the delegator\'s alone', async () => {
    const { h, scores, rows } = harness()
    const alice = h.holder('alice', { a: 100 })
    const bob = h.holder('bob', { b: 50 })
    const carol = h.holder('carol', { c: 30 })
    expect((await alice.run('/delegate @bob'))!.text).toBe(
      'You now delegate your voting power to @bob. It counts on proposals whose snapshot is taken from now on, when @bob votes. Voting yourself on a proposal overrides your delegate there, even after they voted. /undelegate ends it.',
    )
    h.clock.now += 1000
    await h.propose({ title: 'Fee', duration: '72' })
    h.clock.now += HOUR

    expect((await bob.run('/vote p1 For'))!.text).toBe(
      'Voted For on p1 with 150 GRID: 50 GRID your own and 100 GRID delegated to you by 1 account. You can change it until 2026-11-29 12:00 UTC.',
    )
    // 50 (bob) + 100 (alice, carried by bob) = 150 for For.
    expect(scores()).toEqual([150, 0, 0])
    expect(rows()).toEqual(
      [
        [alice.addresses[0], bob.accountId, 1, 100n * TOKEN, '@bob'],
        [bob.addresses[0], bob.accountId, 1, 50n * TOKEN, null],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    )
    const told = h.outbox().filter((n) => n.topic === 'delegation')
    expect(told.map((n) => [n.dedupeKey, n.accountId])).toEqual([[`delegation.voted:p1:${alice.accountId}:1`, alice.accountId]])
    expect(JSON.parse(told[0]!.reply)).toEqual({
      title: 'Your delegate voted on p1',
      text: '@bob voted For on p1 ("Fee") with your 100 GRID. To vote differently, vote yourself before 2026-11-29 12:00 UTC: /proposal p1.',
    })

    await carol.run('/vote p1 Against')
    expect(scores()).toEqual([150, 30, 0])
    h.clock.now += HOUR
    // Alice overrides after bob voted: her 100 leaves For and goes to Abstain.
    expect((await alice.run('/vote p1 Abstain'))!.text).toBe('Voted Abstain on p1 with 100 GRID. You can change it until 2026-11-29 12:00 UTC.')
    expect(scores()).toEqual([50, 30, 100])
    h.clock.now += HOUR
    // Bob changes his vote: only his own 50 moves; alice keeps her Abstain; no new message to her.
    expect((await bob.run('/vote p1 Against'))!.text).toBe('Your vote on p1 is now Against (was For), with 50 GRID. You can change it until 2026-11-29 12:00 UTC.')
    expect(scores()).toEqual([0, 80, 100])
    expect(h.outbox().filter((n) => n.topic === 'delegation')).toHaveLength(1)

    h.clock.now = h.governance.proposal('p1').endAt
    h.governance.closeDue()
    const closed = h.governance.proposal('p1').result!
    // Cast: 100 + 50 + 30 = 180 GRID, each counted once.
    expect([closed.scores, closed.scoresTotal, closed.winner]).toEqual([[0, 80, 100], (180n * TOKEN).toString(), 3])
  })

  test('a delegator who voted first keeps its vote; the delegate carries only the others', async () => {
    const { h, scores } = harness()
    const alice = h.holder('alice', { a: 100 })
    const bob = h.holder('bob', { b: 50 })
    const dora = h.holder('dora', { d: 7 })
    await alice.run('/delegate @bob')
    await dora.run('/delegate @bob')
    h.clock.now += 1000
    await h.propose({ title: 'Fee', duration: '72' })
    await alice.vote('p1', 'Against')
    expect((await bob.run('/vote p1 For'))!.text).toBe(
      'Voted For on p1 with 57 GRID: 50 GRID your own and 7 GRID delegated to you by 1 account. You can change it until 2026-11-29 12:00 UTC.',
    )
    expect(scores()).toEqual([57, 100, 0])
  })

  test('undelegating between the snapshot and the vote leaves that proposal counting the delegation; a delegation made after a snapshot does not count there', async () => {
    const { h, scores } = harness()
    const alice = h.holder('alice', { a: 100 })
    const bob = h.holder('bob', { b: 50 })
    const carol = h.holder('carol', { c: 30 })
    await alice.run('/delegate @bob')
    h.clock.now += 1000
    await h.propose({ title: 'First', duration: '72' })
    h.clock.now += 1000
    expect((await alice.run('/undelegate'))!.text).toBe(
      'You no longer delegate to @bob; new proposals count your power only when you vote. p1 took its snapshot while you delegated, so @bob still votes your power there unless you vote yourself.',
    )
    await carol.run('/delegate @bob')
    h.chain.mine()
    h.clock.now += 1000
    await h.propose({ title: 'Second', duration: '72' })
    h.clock.now += HOUR

    // p1 (block 100): alice's delegation was in effect, carol's began after its snapshot.
    expect((await bob.run('/vote p1 For'))!.text).toMatch(/^Voted For on p1 with 150 GRID: 50 GRID your own and 100 GRID delegated/)
    expect(scores('p1')).toEqual([150, 0, 0])
    // p2 (block 101): alice had undelegated, carol had delegated.
    expect((await bob.run('/vote p2 For'))!.text).toMatch(/^Voted For on p2 with 80 GRID: 50 GRID your own and 30 GRID delegated/)
    expect(scores('p2')).toEqual([80, 0, 0])
    expect((await alice.run('/undelegate'))!.text).toBe('You do not delegate your voting power, so there is nothing to undo; /delegate @name starts one.')
  })

  test('no chains: A→B→C gives C only B\'s own power, and B voting takes A\'s power with it', async () => {
    const { h, scores } = harness()
    const a = h.holder('a', { a: 100 })
    const b = h.holder('b', { b: 50 })
    const c = h.holder('c', { c: 20 })
    await a.run('/delegate @b')
    await b.run('/delegate @c')
    h.clock.now += 1000
    await h.propose({ title: 'Chain', duration: '72' })
    expect((await c.run('/vote p1 For'))!.text).toMatch(/^Voted For on p1 with 70 GRID: 20 GRID your own and 50 GRID delegated to you by 1 account/)
    expect(scores()).toEqual([70, 0, 0])
    expect((await b.run('/vote p1 Against'))!.text).toMatch(/^Voted Against on p1 with 150 GRID: 50 GRID your own and 100 GRID delegated to you by 1 account/)
    // 100 + 50 + 20 = 170 cast, each wallet once.
    expect(scores()).toEqual([20, 150, 0])
    expect(h.governance.tally(h.governance.proposal('p1')).cast).toBe(170n * TOKEN)
  })

  test('attack: delegating to each other, or re-delegating after the snapshot, never counts power twice', async () => {
    const { h, scores } = harness()
    const a = h.holder('a', { a: 100 })
    const b = h.holder('b', { b: 50 })
    const c = h.holder('c', { c: 10 })
    await a.run('/delegate @b')
    await b.run('/delegate @a')
    h.clock.now += 1000
    await h.propose({ title: 'Loop', duration: '72' })
    h.clock.now += 1000
    // After the snapshot a moves to c: for p1 a's power stays with b, and c gets none of it.
    await a.run('/delegate @c')
    expect((await a.run('/vote p1 For'))!.text).toMatch(/^Voted For on p1 with 150 GRID: 100 GRID your own and 50 GRID delegated/)
    expect((await c.run('/vote p1 Abstain'))!.text).toBe('Voted Abstain on p1 with 10 GRID. You can change it until 2026-11-29 12:00 UTC.')
    expect((await b.run('/vote p1 Against'))!.text).toBe('Voted Against on p1 with 50 GRID. You can change it until 2026-11-29 12:00 UTC.')
    expect(scores()).toEqual([100, 50, 10])
    expect(h.governance.tally(h.governance.proposal('p1')).cast).toBe(160n * TOKEN)
  })

  test('weighted: the delegated power is split by the delegate\'s weights, as snapshot.js splits it', async () => {
    const { h, scores } = harness()
    const alice = h.holder('alice', { a: 100 })
    const bob = h.holder('bob', { b: 50 })
    await alice.run('/delegate @bob')
    h.clock.now += 1000
    await h.propose({ title: 'Split', type: 'weighted', choices: 'A,B' })
    await bob.run('/vote p1 1:60,2:40')
    // Each vote is split 60/40: (50 + 100) × 0.6 = 90 and (50 + 100) × 0.4 = 60.
    expect(scores()).toEqual([90, 60])
  })

  test('a delegate with no wallet of its own votes with what it carries; an address counts for the account that links it', async () => {
    const { h, scores } = harness()
    const alice = h.holder('alice', { a: 100 })
    const erin = h.holder('erin', { e: 10 })
    const dan = h.holder('dan')
    const bob = h.holder('bob', { b: 50 })
    const spare = addressOf('bob-spare')
    await alice.run('/delegate @dan')
    expect((await erin.run(`/delegate ${spare.toLowerCase()}`))!.text).toBe(
      `You now delegate your voting power to ${spare}. It counts when the account that linked ${spare} votes (no account has linked it yet). Voting yourself on a proposal overrides your delegate there, even after they voted. /undelegate ends it.`,
    )
    h.clock.now += 1000
    await h.propose({ title: 'Fee', duration: '72' })
    expect((await dan.run('/vote p1 For'))!.text).toMatch(/^Voted For on p1 with 100 GRID: 0 GRID your own and 100 GRID delegated to you by 1 account/)
    expect((await bob.run('/vote p1 Against'))!.text).toBe('Voted Against on p1 with 50 GRID. You can change it until 2026-11-29 12:00 UTC.')
    h.db.insert(wallets).values({ address: spare, accountId: bob.accountId, linkedByIdentityId: bob.identityId, linkedAt: h.clock.now }).run()
    h.clock.now += 1000
    expect((await bob.run('/vote p1 Against'))!.text).toMatch(/^Your vote on p1 stays Against, with 60 GRID: 50 GRID your own and 10 GRID delegated to you by 1 account/)
    expect(scores()).toEqual([100, 60, 0])
  })
})
