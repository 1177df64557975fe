import { snapshot } from './snapshotJs.ts'
import type { VotingType } from './votingTypes.ts'

/** A vote as snapshot.js takes it: the choice in Snapshot's form and the power in tokens. */
export interface TallyVote {
  choice: unknown
  balance: number
}

export interface Tally {
  /** Per choice, in tokens, as Snapshot computes them. */
  scores: number[]
  /** All power cast, valid or not (Snapshot's scores_total). */
  scoresTotal: number
  /** 1-based; null when no choice leads alone (a tie, or nothing cast). */
  winner: number | null
}

interface VotingSystem {
  getScores(): number[]
  getScoresTotal(): number
  getChoiceString(): string
}
type VotingClass = (new (proposal: { choices: string[] }, votes: unknown[], strategies: unknown[], selected: unknown) => VotingSystem) & {
  isValidChoice(choice: unknown, choices: string[]): boolean
}

// One strategy: a vote's whole balance is its score, as for a single erc20-balance-of strategy.
const STRATEGIES = [{ name: 'erc20-balance-of', network: '1', params: {} }]

function votingClass(type: VotingType): VotingClass {
  return snapshot.utils.voting[type] as unknown as VotingClass
}

/** Tallies with snapshot.js's own voting classes, so results equal Snapshot's. */
export function tallyVotes(type: VotingType, choices: string[], votes: readonly TallyVote[]): Tally {
  const Voting = votingClass(type)
  const system = new Voting(
    { choices },
    votes.map((v) => ({ choice: v.choice, balance: v.balance, scores: [v.balance] })),
    STRATEGIES,
    null,
  )
  const scores = system.getScores()
  return { scores, scoresTotal: system.getScoresTotal(), winner: soleLeader(scores) }
}

/** Snapshot's own check of a choice's shape for the type. */
export function isValidChoice(type: VotingType, choice: unknown, choices: string[]): boolean {
  return votingClass(type).isValidChoice(choice, choices)
}

/** How Snapshot words a choice: "For", "(1st) B, (2nd) A", "60% for A, 40% for B". */
export function describeChoice(type: VotingType, choice: unknown, choices: string[]): string {
  const Voting = votingClass(type)
  return new Voting({ choices }, [], STRATEGIES, choice).getChoiceString()
}

/** The 1-based choice that leads alone with more than 0; null on a tie at the top or with nothing cast. */
export function soleLeader(scores: readonly number[]): number | null {
  const top = Math.max(0, ...scores)
  const leaders = scores.flatMap((score, i) => (score === top ? [i + 1] : []))
  return top > 0 && leaders.length === 1 ? leaders[0]! : null
}
