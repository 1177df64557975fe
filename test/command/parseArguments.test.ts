import { describe, expect, test } from 'vitest'
import { defineCommand } from '../../src/command/defineCommand.ts'
import { opt } from '../../src/command/options.ts'
import { parseArguments, tokenize } from '../../src/command/parseArguments.ts'
import { validateOptions } from '../../src/command/validateOptions.ts'
import { UserError } from '../../src/errors/AppError.ts'
import { TokenUnits } from '../../src/ledger/TokenUnits.ts'
import { modelWordCount } from '../../src/market/modelWordCount.ts'

const rent = defineCommand({
  name: 'rent',
  description: 'Rent GPUs',
  options: {
    model: opt.string({ description: 'GPU model', required: true, expected: 'a GPU model such as H100-80GB' }),
    hours: opt.integer({ description: 'Hours to rent', required: true, min: 1, max: 720 }),
    count: opt.integer({ description: 'GPUs on one machine', min: 1, max: 16, default: 1 }),
    max_price: opt.number({ description: 'Highest price per GPU-hour', min: 0 }),
    spot: opt.boolean({ description: 'Spot capacity' }),
  },
  run: () => ({ text: 'ok' }),
})

const propose = defineCommand({
  name: 'propose',
  description: 'Propose',
  options: {
    title: opt.string({ description: 'Title', required: true, maxLength: 20 }),
    type: opt.choice({ description: 'Voting type', choices: ['single-choice', 'approval'], default: 'single-choice' }),
    body: opt.string({ description: 'Body', rest: true }),
  },
  run: () => ({ text: 'ok' }),
})

const parse = (command: typeof rent, text: string) => validateOptions(command, parseArguments(command, text))

/** The user message of what `run` throws (the exact sentence a user reads). */
function messageOf(run: () => unknown): string | undefined {
  try {
    run()
  } catch (error) {
    return error instanceof UserError ? error.userMessage : String(error)
  }
  return undefined
}

describe('tokenize', () => {
  test('keeps quoted strings and name:"quoted values" whole', () => {
    expect(tokenize(`title:"Raise fee" body:'a b'  "x y" z`)).toEqual(['title:Raise fee', 'body:a b', 'x y', 'z'])
  })
  test('keeps an empty quoted string as a token', () => {
    expect(tokenize('a "" b')).toEqual(['a', '', 'b'])
  })
  test('error: unclosed quote', () => {
    expect(() => tokenize('title:"Raise fee')).toThrowErrorMatchingInlineSnapshot(`[UserError: A quote is not closed: put a " after the quoted text.]`)
  })
})

describe('parseArguments', () => {
  test('fills options from positional words in order', () => {
    expect(parse(rent, 'H100-80GB 4')).toEqual({ model: 'H100-80GB', hours: 4, count: 1, max_price: undefined, spot: undefined })
  })
  test('mixes name:value pairs and positional words', () => {
    expect(parse(rent, 'count:2 H100-80GB 4 max_price:2.5 spot:yes')).toEqual({
      model: 'H100-80GB',
      hours: 4,
      count: 2,
      max_price: 2.5,
      spot: true,
    })
  })
  test('option names are case-insensitive, values keep their case', () => {
    expect(parse(rent, 'MODEL:h100 HOURS:3')).toMatchObject({ model: 'h100', hours: 3 })
  })
  test('a rest option takes the remaining words, quotes included', () => {
    expect(validateOptions(propose, parseArguments(propose, 'title:"Raise fee" type:approval we should "raise" it'))).toEqual({
      title: 'Raise fee',
      type: 'approval',
      body: 'we should raise it',
    })
  })
  test('words that only look like name:value stay positional', () => {
    expect(parse(rent, 'https://x 2')).toMatchObject({ model: 'https://x', hours: 2 })
  })
  test('error: missing required value', () => {
    expect(() => parse(rent, 'H100-80GB')).toThrowErrorMatchingInlineSnapshot(`
      [UserError: Hours is missing: expected a whole number from 1 to 720.
      Usage: /rent <model> <hours> [count] [max_price] [spot]]
    `)
  })
  test('error: extra values', () => {
    expect(() => parse(rent, 'H100 2 1 3 yes extra')).toThrowErrorMatchingInlineSnapshot(`
      [UserError: There is more than this command takes ("extra").
      Usage: /rent <model> <hours> [count] [max_price] [spot]]
    `)
  })
  test('error: out of range', () => {
    expect(() => parse(rent, 'H100 900')).toThrowErrorMatchingInlineSnapshot(`
      [UserError: Hours should be a whole number from 1 to 720, not "900".
      Usage: /rent <model> <hours> [count] [max_price] [spot]]
    `)
  })
  test('error: not a number', () => {
    expect(() => parse(rent, 'H100 2 count:two')).toThrowErrorMatchingInlineSnapshot(`
      [UserError: Count should be a whole number from 1 to 16, not "two".
      Usage: /rent <model> <hours> [count] [max_price] [spot]]
    `)
  })
  test('error: a fraction where a whole number is expected', () => {
    expect(() => parse(rent, 'H100 2.5')).toThrow(/Hours should be a whole number/)
  })
  test('error: option given twice', () => {
    expect(() => parse(rent, 'H100 2 count:1 count:2')).toThrow(/^Count is given twice\./)
  })
  test('error: choice not in the list', () => {
    expect(() => validateOptions(propose, parseArguments(propose, 'title:x type:ranked'))).toThrow(
      'Type should be one of single-choice, approval, not "ranked".',
    )
  })
  test('error: string too long', () => {
    expect(() => validateOptions(propose, parseArguments(propose, 'title:"' + 'x'.repeat(21) + '"'))).toThrow(
      'Title is too long: at most 20 characters.',
    )
  })
  test('typed values (as Discord sends them) are validated the same way', () => {
    expect(validateOptions(rent, { model: 'H100', hours: 3, spot: false })).toMatchObject({ hours: 3, spot: false })
    expect(() => validateOptions(rent, { model: 'H100', hours: 0 })).toThrow(/Hours should be/)
  })
})

describe('parseArguments: words that answer well', () => {
  const withdraw = defineCommand({
    name: 'withdraw',
    description: 'Withdraw',
    options: { amount: opt.string({ description: 'Amount', required: true }), to: opt.string({ description: 'Wallet' }) },
    run: () => ({ text: 'ok' }),
  })
  const gpus = defineCommand({
    name: 'gpus',
    description: 'GPUs',
    options: { model: opt.string({ description: 'Model', words: modelWordCount }), count: opt.integer({ description: 'Count', min: 1, max: 64 }) },
    run: () => ({ text: 'ok' }),
  })

  test.each([
    ['H100 2 price:3', 'price is not an option of /rent; did you mean max_price? Its options are model, hours, count, max_price, spot.'],
    ['H100 2 cuont:3', 'cuont is not an option of /rent; did you mean count? Its options are model, hours, count, max_price, spot.'],
    ['H100 2 sopt:yes', 'sopt is not an option of /rent; did you mean spot? Its options are model, hours, count, max_price, spot.'],
    ['H100 2 colour:red', 'colour is not an option of /rent. Its options are model, hours, count, max_price, spot.'],
    ['H100 2 to:x', 'to is not an option of /rent. Its options are model, hours, count, max_price, spot.'],
    ['H100 2 Price:', 'price is not an option of /rent; did you mean max_price? Its options are model, hours, count, max_price, spot.'],
  ])('error: %s names the unknown option', (text, message) => {
    expect(messageOf(() => parseArguments(rent, text))).toBe(message)
  })
  test('a colon in a value that is plainly not an option stays a value', () => {
    expect(parseArguments(rent, 'h100:2 4')).toEqual({ model: 'h100:2', hours: '4' })
    expect(parseArguments(rent, 'https://x 4')).toEqual({ model: 'https://x', hours: '4' })
  })
  test('free text keeps its colons (a proposal body, a weighted vote)', () => {
    expect(parseArguments(propose, 'title:x type:approval we should note:this')).toEqual({ title: 'x', type: 'approval', body: 'we should note:this' })
  })
  test('the token symbol after an amount belongs to the amount', () => {
    expect(parseArguments(withdraw, '12.5 GRID', { symbol: 'GRID' })).toEqual({ amount: '12.5 GRID' })
    expect(parseArguments(withdraw, '1,000 grid 0xabc', { symbol: 'GRID' })).toEqual({ amount: '1,000 grid', to: '0xabc' })
    expect(parseArguments(withdraw, 'amount:12.5 GRID', { symbol: 'GRID' })).toEqual({ amount: '12.5 GRID' })
    expect(new TokenUnits('GRID', 18).parse(parseArguments(withdraw, '12.5 GRID', { symbol: 'GRID' }).amount!)).toBe(12_500_000_000_000_000_000n)
    // Not after an amount, or without a symbol to know: plain words.
    expect(parseArguments(withdraw, 'GRID 12.5', { symbol: 'GRID' })).toEqual({ amount: 'GRID', to: '12.5' })
    expect(parseArguments(withdraw, '12.5 GRID')).toEqual({ amount: '12.5', to: 'GRID' })
  })
  test('an option with words takes as many as name one value', () => {
    expect(parseArguments(gpus, 'RTX 4090 2')).toEqual({ model: 'RTX 4090', count: '2' })
    expect(parseArguments(gpus, 'H100 2')).toEqual({ model: 'H100', count: '2' })
    expect(parseArguments(gpus, 'count:2 RTX 4090')).toEqual({ model: 'RTX 4090', count: '2' })
  })
  test('error: a 10 KB extra value is echoed clipped to 60 characters', () => {
    expect(messageOf(() => parse(rent, 'H100 2 1 3 yes ' + 'x'.repeat(10_000)))).toBe((`There is more than this command takes ("${'x'.repeat(59)}…").\nUsage: /rent <model> <hours> [count] [max_price] [spot]`))
  })
  test('values lose control and bidi characters', () => {
    expect(validateOptions(rent, { model: 'H100\u202e\u0000', hours: '2\u2066' })).toMatchObject({ model: 'H100', hours: 2 })
  })
})
