/** The voting systems a proposal can use: Snapshot's names, tallied by snapshot.js. */
export const VOTING_TYPES = ['single-choice', 'approval', 'weighted', 'quadratic', 'ranked-choice'] as const
export type VotingType = (typeof VOTING_TYPES)[number]

/** How a typed vote looks for each type, for help texts and error sentences. */
export const CHOICE_FORMS: Record<VotingType, string> = {
  'single-choice': 'one choice number or name, e.g. 1 or For',
  approval: 'the choices you approve, e.g. 1,3',
  'ranked-choice': 'every choice in your order of preference, e.g. 2,1,3',
  weighted: 'choice:weight pairs, e.g. 1:60,2:40',
  quadratic: 'choice:weight pairs, e.g. 1:60,2:40',
}

/** Snapshot spaces also use 'basic' (For/Against/Abstain, tallied as single choice). */
export function votingTypeOf(type: string): VotingType | undefined {
  if (type === 'basic') return 'single-choice'
  return (VOTING_TYPES as readonly string[]).includes(type) ? (type as VotingType) : undefined
}
