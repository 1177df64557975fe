import { describe, expect, test } from 'vitest'
import { parseVoteChoice } from '../../src/governance/parseVoteChoice.ts'

// What people type in /vote, turned into Snapshot's choice form; every refusal
// is one sentence naming the problem and the expected form, and changes nothing.

const FAC = ['For', 'Against', 'Abstain']
const ABC = ['A', 'B', 'C']
const single = '; this is a single-choice vote, so give one choice number or name, e.g. 1 or For (choices: 1 For, 2 Against, 3 Abstain).'
const pairs = (type: string) => `; this is a ${type} vote, so give choice:weight pairs, e.g. 1:60,2:40 (choices: 1 A, 2 B, 3 C).`

describe('parseVoteChoice', () => {
  test.each([
    ['2', 'single-choice', FAC, 2],
    ['for', 'single-choice', FAC, 1],
    ['  ABSTAIN ', 'single-choice', FAC, 3],
    ['1 3', 'approval', ABC, [1, 3]],
    ['c,a', 'approval', ABC, [3, 1]],
    ['B,A,C', 'ranked-choice', ABC, [2, 1, 3]],
    ['3, 1, 2', 'ranked-choice', ABC, [3, 1, 2]],
    ['1:60,2:40', 'weighted', ABC, { 1: 60, 2: 40 }],
    ['C:0.5 a:0', 'quadratic', ABC, { 3: 0.5, 1: 0 }],
    ['beta:2,1:2.55', 'weighted', ['Alpha', 'Beta'], { 2: 2, 1: 2.55 }],
  ] as const)('%s as %s', (text, type, choices, expected) => {
    expect(parseVoteChoice(text, type, [...choices])).toEqual(expected)
  })

  test.each([
    ['', 'single-choice', FAC, `No choice was given${single}`],
    [' , ', 'single-choice', FAC, `No choice was given${single}`],
    ['4', 'single-choice', FAC, `There is no choice 4${single}`],
    ['0', 'single-choice', FAC, `There is no choice 0${single}`],
    ['Maybe', 'single-choice', FAC, `"Maybe" is not one of the choices${single}`],
    ['x'.repeat(40), 'single-choice', FAC, `"${'x'.repeat(30)}" is not one of the choices${single}`],
    ['1,2', 'single-choice', FAC, `Only one choice counts here${single}`],
    ['1,A', 'approval', ABC, 'A choice is given twice; this is an approval vote, so give the choices you approve, e.g. 1,3 (choices: 1 A, 2 B, 3 C).'],
    ['1,2', 'ranked-choice', ABC, 'Rank all 3 choices; this is a ranked-choice vote, so give every choice in your order of preference, e.g. 2,1,3 (choices: 1 A, 2 B, 3 C).'],
    ['2,2,1', 'ranked-choice', ABC, 'A choice is given twice; this is a ranked-choice vote, so give every choice in your order of preference, e.g. 2,1,3 (choices: 1 A, 2 B, 3 C).'],
    ['1=3', 'weighted', ABC, `"1=3" is not a choice:weight pair${pairs('weighted')}`],
    ['1:-1', 'weighted', ABC, `"1:-1" is not a choice:weight pair${pairs('weighted')}`],
    ['1:3,A:2', 'weighted', ABC, `A choice is given twice${pairs('weighted')}`],
    ['1:0,2:0', 'quadratic', ABC, `At least one weight must be more than 0${pairs('quadratic')}`],
    ['4:1', 'quadratic', ABC, `There is no choice 4${pairs('quadratic')}`],
    ['10', 'single-choice', FAC, `There is no choice 10${single}`],
    ['x2', 'single-choice', FAC, `"x2" is not one of the choices${single}`],
    ['2x', 'single-choice', FAC, `"2x" is not one of the choices${single}`],
    ['a:b:3', 'weighted', ABC, `"a:b:3" is not a choice:weight pair${pairs('weighted')}`],
    ['1:3x', 'weighted', ABC, `"1:3x" is not a choice:weight pair${pairs('weighted')}`],
    ['1:2.', 'weighted', ABC, `"1:2." is not a choice:weight pair${pairs('weighted')}`],
    [`1:${'9'.repeat(10)}x${'z'.repeat(30)}`, 'weighted', ABC, `"1:${'9'.repeat(10)}x${'z'.repeat(17)}" is not a choice:weight pair${pairs('weighted')}`],
  ] as const)('error: %j as %s', (text, type, choices, message) => {
    expect(() => parseVoteChoice(text, type, [...choices])).toThrow(expect.objectContaining({ code: 'BAD_CHOICE', userMessage: message }))
  })
})
