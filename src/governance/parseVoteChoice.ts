import { UserError } from '../errors/AppError.ts'
import { isValidChoice } from './tallyVotes.ts'
import { CHOICE_FORMS, type VotingType } from './votingTypes.ts'

export type VoteChoice = number | number[] | Record<string, number>

/** Turns what a person typed into Snapshot's choice form for the proposal's
 *  type: "2" or "For"; "1,3"; "2,1,3"; "1:60,2:40". Checked last by
 *  snapshot.js itself, so nothing Snapshot would refuse gets through.
 *  @throws UserError naming what was wrong and the expected form */
export function parseVoteChoice(text: string, type: VotingType, choices: string[]): VoteChoice {
  const fail = (problem: string) =>
    new UserError(`${problem}; this is ${type === 'approval' ? 'an' : 'a'} ${type} vote, so give ${CHOICE_FORMS[type]} (choices: ${numbered(choices)}).`, 'BAD_CHOICE')
  const words = text
    .split(/[,\s]+/)
    .map((w) => w.trim())
    .filter(Boolean)
  if (words.length === 0) throw fail('No choice was given')
  const index = (word: string): number => {
    if (/^\d+$/.test(word)) {
      const n = Number(word)
      if (n < 1 || n > choices.length) throw fail(`There is no choice ${word}`)
      return n
    }
    const found = choices.findIndex((c) => c.toLowerCase() === word.toLowerCase())
    if (found < 0) throw fail(`"${word.slice(0, 30)}" is not one of the choices`)
    return found + 1
  }
  let choice: VoteChoice
  switch (type) {
    case 'single-choice': {
      if (words.length !== 1) throw fail('Only one choice counts here')
      choice = index(words[0]!)
      break
    }
    case 'approval':
    case 'ranked-choice': {
      const picked = words.map(index)
      if (new Set(picked).size !== picked.length) throw fail('A choice is given twice')
      if (type === 'ranked-choice' && picked.length !== choices.length) throw fail(`Rank all ${choices.length} choices`)
      choice = picked
      break
    }
    case 'weighted':
    case 'quadratic': {
      const weights: Record<string, number> = {}
      for (const word of words) {
        const pair = /^([^:]+):(\d+(?:\.\d+)?)$/.exec(word)
        if (!pair) throw fail(`"${word.slice(0, 30)}" is not a choice:weight pair`)
        const key = String(index(pair[1]!))
        if (key in weights) throw fail('A choice is given twice')
        weights[key] = Number(pair[2])
      }
      if (!Object.values(weights).some((w) => w > 0)) throw fail('At least one weight must be more than 0')
      choice = weights
      break
    }
  }
  if (!isValidChoice(type, choice, choices)) throw fail('Snapshot would not accept that choice')
  return choice
}

export function numbered(choices: readonly string[]): string {
  return choices.map((c, i) => `${i + 1} ${c}`).join(', ')
}
