import { formatUnits } from 'viem'
import { describe, expect, test } from 'vitest'
import { snapshot } from '../../src/governance/snapshotJs.ts'
import { soleLeader, tallyVotes } from '../../src/governance/tallyVotes.ts'
import type { VotingType } from '../../src/governance/votingTypes.ts'
import { createGovernanceHarness, HOUR } from './governanceHarness.ts'

const STRATEGIES = [{ name: 'erc20-balance-of', network: '1', params: {} }]

/** Snapshot's algorithm on the votes as the audit export lists them. */
function snapshotScores(type: VotingType, choices: string[], votes: { choice: unknown; power: bigint | null }[]) {
  const Voting = snapshot.utils.voting[type] as unknown as new (...args: unknown[]) => { getScores(): number[]; getScoresTotal(): number }
  const system = new Voting({ choices }, votes.map((v) => ({ choice: v.choice, balance: Number(formatUnits(v.power!, 18)), scores: [Number(formatUnits(v.power!, 18))] })), STRATEGIES, null)
  return { scores: system.getScores(), total: system.getScoresTotal() }
}

const CASES: { type: VotingType; choices: string[]; ballots: [Record<string, number>, string][] }[] = [
  {
    type: 'single-choice',
    choices: ['For', 'Against', 'Abstain'],
    ballots: [[{ a: 120.5 }, 'For'], [{ b: 33.25, b2: 7 }, '2'], [{ c: 1000 }, 'Abstain'], [{ d: 0.000001 }, 'For']],
  },
  {
    type: 'approval',
    choices: ['Alpha', 'Beta', 'Gamma', 'Delta'],
    ballots: [[{ a: 50 }, '1,3'], [{ b: 70 }, '2'], [{ c: 12.5 }, '1,2,3,4'], [{ d: 9 }, 'Delta,Alpha']],
  },
  {
    type: 'weighted',
    choices: ['A', 'B', 'C'],
    ballots: [[{ a: 100 }, '1:60,2:40'], [{ b: 33 }, '3:1'], [{ c: 77.7 }, '1:1,2:1,3:1'], [{ d: 10 }, '2:0,3:5']],
  },
  {
    type: 'quadratic',
    choices: ['A', 'B', 'C'],
    ballots: [[{ a: 100 }, '1:60,2:40'], [{ b: 4 }, '3:1'], [{ c: 9, c2: 16 }, '2:3,3:1'], [{ d: 1 }, '1:1']],
  },
  {
    type: 'ranked-choice',
    choices: ['A', 'B', 'C', 'D'],
    ballots: [[{ a: 40 }, '1,2,3,4'], [{ b: 30 }, '2,3,1,4'], [{ c: 20 }, '3,2,1,4'], [{ d: 15 }, '4,3,2,1'], [{ e: 5 }, 'B,A,D,C']],
  },
]

describe('tallies equal snapshot.js on the same votes', () => {
  for (const { type, choices, ballots } of CASES) {
    test(`${type}: live tally, closed result and the export agree with Snapshot`, async () => {
      const h = createGovernanceHarness()
      const proposal = await h.propose({ title: `A ${type} vote`, type, choices: choices.join(','), duration: '24' })
      for (const [i, [balances, choice]] of ballots.entries()) {
        const holder = h.holder(`voter${i}`, balances)
        h.clock.now += 1000
        await holder.vote(proposal.id, choice)
      }
      const records = h.governance.voteRecords(proposal.id)
      expect(records).toHaveLength(ballots.reduce((n, [b]) => n + Object.keys(b).length, 0))
      const expected = snapshotScores(type, choices, records)
      const live = h.governance.tally(h.governance.proposal(proposal.id))
      expect(live.scores).toEqual(expected.scores)
      h.clock.now = proposal.endAt
      h.governance.closeDue()
      const closed = h.governance.proposal(proposal.id)
      expect(closed.result!.scores).toEqual(expected.scores)
      const best = Math.max(...expected.scores)
      expect(closed.result!.winner).toBe(expected.scores.filter((s) => s === best).length === 1 ? expected.scores.indexOf(best) + 1 : null)
      expect(Number(formatUnits(BigInt(closed.result!.scoresTotal), 18))).toBeCloseTo(expected.total, 9)
    })
  }

  test('a tie has no winner and does not pass', async () => {
    const h = createGovernanceHarness()
    h.params.set('quorum', '10', { setByProposal: null, now: h.clock.now })
    const proposal = await h.propose({ title: 'Tie', param: 'protocol_fee_bps=400', duration: '1' })
    await h.holder('a', { a: 50 }).vote(proposal.id, 'For')
    await h.holder('b', { b: 50 }).vote(proposal.id, 'Against')
    h.clock.now += HOUR
    expect(h.governance.closeDue()).toEqual([{ id: proposal.id, quorumMet: true, winner: null, executed: false }])
    expect(h.governance.proposal(proposal.id).result!.scores).toEqual([50, 50, 0])
    expect(h.params.get('protocol_fee_bps')).toBe('500')
  })

  test('no votes at all: zero scores for every type, as Snapshot gives', () => {
    for (const { type, choices } of CASES) {
      const expected = snapshotScores(type, choices, [])
      expect(tallyVotes(type, choices, [])).toEqual({ scores: expected.scores, scoresTotal: 0, winner: null })
    }
    expect(tallyVotes('single-choice', ['For', 'Against'], []).scores).toEqual([0, 0])
    expect(tallyVotes('ranked-choice', ['A', 'B', 'C'], []).scores).toEqual([0, 0, 0])
  })

  test('empty and invalid ballots are counted in the total but score nothing, exactly as in snapshot.js', () => {
    const votes = [
      { choice: [], balance: 5 },
      { choice: [1, 2], balance: 10 },
      { choice: {}, balance: 7 },
    ]
    for (const type of ['approval', 'ranked-choice', 'weighted', 'quadratic'] as const) {
      const Voting = snapshot.utils.voting[type] as unknown as new (...args: unknown[]) => { getScores(): number[]; getScoresTotal(): number }
      const system = new Voting({ choices: ['A', 'B'] }, votes.map((v) => ({ ...v, scores: [v.balance] })), STRATEGIES, null)
      expect(tallyVotes(type, ['A', 'B'], votes)).toMatchObject({ scores: system.getScores(), scoresTotal: system.getScoresTotal() })
    }
  })
})

describe('soleLeader', () => {
  test.each([
    [[1, 3, 2], 2],
    [[5], 1],
    [[0, 0.5], 2],
    [[3, 3, 1], null],
    [[1, 3, 3], null],
    [[0, 0], null],
    [[0], null],
    [[], null],
  ] as const)('%j → %s', (scores, winner) => {
    expect(soleLeader(scores)).toBe(winner)
  })
})
