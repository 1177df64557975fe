import { describe, expect, test } from 'vitest'
import { describeChoice } from '../../src/governance/tallyVotes.ts'
import type { VotingType } from '../../src/governance/votingTypes.ts'
import { createGovernanceHarness, TOKEN } from './governanceHarness.ts'

// Results worked out by hand from the raw ballots typed here, not by running
// snapshot.js on what the app stored: a bug that changes a stored ballot (a
// ranked list sorted, a weight dropped) changes the result and fails.

interface Case {
  type: VotingType
  choices: string[]
  /** [tokens, the ballot as typed in /vote] */
  ballots: [number, string][]
  /** Each choice's score, worked out below each case. */
  scores: number[]
  winner: number | null
}

const CASES: Record<string, Case> = {
  // For: 100 + 45 = 145; Against: 50; Abstain: 7.
  'single-choice: the sum of each choice\'s voters': {
    type: 'single-choice',
    choices: ['For', 'Against', 'Abstain'],
    ballots: [[100, 'For'], [50, '2'], [7, 'Abstain'], [45, '1']],
    scores: [145, 50, 7],
    winner: 1,
  },
  // A: 50 + 12 + 9 = 71; B: 70 + 12 = 82; C: 50 + 12 = 62; D: 12 + 9 = 21.
  'approval: every approved choice gets the voter\'s whole power': {
    type: 'approval',
    choices: ['A', 'B', 'C', 'D'],
    ballots: [[50, '1,3'], [70, '2'], [12, '1,2,3,4'], [9, 'D,A']],
    scores: [71, 82, 62, 21],
    winner: 2,
  },
  // 100 split 60/40; 30 all to C; 90 split in thirds; 10 with weights 0 and 5 all to C.
  // A: 60 + 30 = 90; B: 40 + 30 = 70; C: 30 + 30 + 10 = 70.
  'weighted: power split by the weights\' shares': {
    type: 'weighted',
    choices: ['A', 'B', 'C'],
    ballots: [[100, '1:60,2:40'], [30, '3:1'], [90, '1:1,2:1,3:1'], [10, '2:0,3:5']],
    scores: [90, 70, 70],
    winner: 1,
  },
  // Square roots per voter and choice: A √100 + √(½·50) = 10 + 5; B √36 + 5 = 11; C √16 = 4.
  // Squared: 225, 121, 16 (sum 362), then scaled to the 202 tokens cast.
  'quadratic: (Σ √(share × power))², scaled to the power cast': {
    type: 'quadratic',
    choices: ['A', 'B', 'C'],
    ballots: [[100, '1:1'], [36, '2:1'], [50, '1:1,2:1'], [16, '3:1']],
    scores: [(202 * 225) / 362, (202 * 121) / 362, (202 * 16) / 362],
    winner: 1,
  },
  // Round 1: A 40, B 35, C 15, D 10; nobody over 50 → D out, its 10 go to C (D>C>B>A).
  // Round 2: A 40, B 35, C 25 → C out; C's 15 (C>B>…) and D's 10 (now C>B>…) go to B.
  // Round 3: A 40, B 60 > 50: B wins the run-off though A led the first round.
  'ranked-choice: instant run-off, the first-round leader loses': {
    type: 'ranked-choice',
    choices: ['A', 'B', 'C', 'D'],
    ballots: [[40, '1,4,3,2'], [35, '2,3,4,1'], [15, '3,2,4,1'], [10, '4,3,2,1']],
    scores: [40, 60, 0, 0],
    winner: 2,
  },
  // Round 1: A 30, B 30, C 25, D 15 → D out, D>B>… so B 45.
  // Round 2: A 30, B 45, C 25 → C out, C>A>… so A 55 > 50: A wins.
  'ranked-choice: a second run-off decided by third preferences': {
    type: 'ranked-choice',
    choices: ['A', 'B', 'C', 'D'],
    ballots: [[30, '1,3,2,4'], [30, '2,4,1,3'], [25, '3,1,4,2'], [15, '4,2,3,1']],
    scores: [55, 45, 0, 0],
    winner: 1,
  },
}

describe('tallies equal results worked out by hand from the raw ballots', () => {
  for (const [name, { type, choices, ballots, scores, winner }] of Object.entries(CASES)) {
    test(name, async () => {
      const h = createGovernanceHarness()
      const proposal = await h.propose({ title: `A ${type} vote`, type, choices: choices.join(','), duration: '24' })
      for (const [i, [tokens, ballot]] of ballots.entries()) {
        const voter = h.holder(`voter${i}`, { [`w${i}`]: BigInt(tokens) * TOKEN })
        h.clock.now += 1000
        await voter.vote(proposal.id, ballot)
      }
      const cast = ballots.reduce((sum, [tokens]) => sum + tokens, 0)
      const live = h.governance.tally(h.governance.proposal(proposal.id))
      expectScores(live.scores, scores)
      h.clock.now = proposal.endAt
      h.governance.closeDue()
      const { result } = h.governance.proposal(proposal.id)
      expectScores(result!.scores, scores)
      expect(result!.winner).toBe(winner)
      expect(result!.scoresTotal).toBe((BigInt(cast) * TOKEN).toString())
    })
  }

  test('a ranked ballot keeps its order: the same voters with the lists reversed elect someone else', async () => {
    const h = createGovernanceHarness()
    const proposal = await h.propose({ title: 'Order matters', type: 'ranked-choice', choices: 'A,B,C', duration: '24' })
    // 3 × "C,B,A" (6 tokens each) and 1 × "A,B,C" (5): C has 18 of 23 in the first round.
    for (const i of [0, 1, 2]) await h.holder(`c${i}`, { [`c${i}`]: 6n * TOKEN }).vote(proposal.id, '3,2,1')
    await h.holder('a', { a: 5n * TOKEN }).vote(proposal.id, '1,2,3')
    expectScores(h.governance.tally(h.governance.proposal(proposal.id)).scores, [5, 0, 18])
  })
})

describe('a ballot as people read it back', () => {
  test.each([
    ['single-choice', 2, 'Against'],
    ['approval', [1, 3], 'A, C'],
    ['ranked-choice', [2, 3, 1], '(1st) B, (2nd) C, (3rd) A'],
    ['weighted', { 1: 3, 3: 1 }, '75% for A, 25% for C'],
    ['quadratic', { 2: 1 }, '100% for B'],
  ] as const)('%s', (type, choice, text) => {
    const choices = type === 'single-choice' ? ['For', 'Against', 'Abstain'] : ['A', 'B', 'C']
    expect(describeChoice(type, choice, choices)).toBe(text)
  })
})

/** Scores are snapshot.js floats: equal to the hand result to 9 decimals. */
function expectScores(actual: number[], expected: number[]) {
  expect(actual).toHaveLength(expected.length)
  actual.forEach((score, i) => expect(score).toBeCloseTo(expected[i]!, 9))
}
