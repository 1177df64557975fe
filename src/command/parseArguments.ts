import { echoInput } from '../errors/echoInput.ts'
import { UserError } from '../errors/AppError.ts'
import type { CommandInfo } from './CommandInfo.ts'
import { suggestOption } from './suggestCommand.ts'
import { usageOf } from './usage.ts'

/** Splits on spaces, keeping "quoted strings" (and name:"quoted values") whole. */
export function tokenize(input: string): string[] {
  const tokens: string[] = []
  let current = ''
  let quote: string | null = null
  let started = false
  for (const char of input) {
    if (quote) {
      if (char === quote) quote = null
      else current += char
    } else if (char === '"' || char === '“' || char === '”' || char === "'") {
      quote = char === '“' ? '”' : char
      started = true
    } else if (/\s/.test(char)) {
      if (started) tokens.push(current)
      current = ''
      started = false
    } else {
      current += char
      started = true
    }
  }
  if (quote) throw new UserError(`A quote is not closed: put a ${quote} after the quoted text.`, 'BAD_QUOTE')
  if (started) tokens.push(current)
  return tokens
}

export interface ParseArgumentsOptions {
  /** The token's symbol: "12.5 GRID" is read as one amount. */
  symbol?: string
}

/** Maps words typed after a command to its options: `name:value` pairs by
 *  name, other words to the unfilled options in order. Values stay strings;
 *  validateOptions turns them into typed values. */
export function parseArguments(command: CommandInfo, text: string, { symbol }: ParseArgumentsOptions = {}): Record<string, string> {
  const names = Object.keys(command.options)
  const values: Record<string, string> = {}
  const positional: string[] = []
  for (const token of joinSymbols(tokenize(text), symbol)) {
    const named = /^([a-z0-9_]{1,32}):(.*)$/is.exec(token)
    const name = named?.[1]!.toLowerCase()
    if (name && names.includes(name)) {
      if (name in values) throw usageError(command, `${name} is given twice`)
      values[name] = named![2]!
    } else if (name && looksLikeOption(name, named![2]!) && !takesFreeText(command)) {
      throw unknownOptionError(command, name)
    } else {
      positional.push(token)
    }
  }
  const replaced = (name: string) => {
    const by = command.options[name]!.replacedBy
    return by !== undefined && by in values
  }
  const open = names.filter((name) => !(name in values) && !replaced(name))
  for (const [index, name] of open.entries()) {
    if (positional.length === 0) break
    const option = command.options[name]!
    if (option.type === 'string' && option.rest && index === open.length - 1) {
      values[name] = positional.splice(0).join(' ')
    } else if (option.type === 'string' && option.words) {
      const count = Math.max(1, Math.min(option.words(positional), positional.length))
      values[name] = positional.splice(0, count).join(' ')
    } else {
      values[name] = positional.shift()!
    }
  }
  if (positional.length > 0) throw usageError(command, `there is more than this command takes ("${echoInput(positional.join(' '))}")`)
  return values
}

/** "12.5 GRID" → one word "12.5 GRID" (TokenUnits.parse reads the symbol). */
function joinSymbols(tokens: string[], symbol: string | undefined): string[] {
  if (!symbol) return tokens
  const joined: string[] = []
  for (const token of tokens) {
    const previous = joined[joined.length - 1]
    if (previous !== undefined && token.toLowerCase() === symbol.toLowerCase() && /^(?:[a-z_]+:)?[\d.,]+$/i.test(previous)) {
      joined[joined.length - 1] = `${previous} ${token}`
    } else {
      joined.push(token)
    }
  }
  return joined
}

/** `price:2` is an attempt at an option; `https://x`, `h100:2` and `1:60` are values. */
function looksLikeOption(name: string, value: string): boolean {
  return /^[a-z_]+$/.test(name) && !value.startsWith('/')
}

/** A command whose last option takes free text (a proposal body, a vote
 *  like "For:60,Against:40") keeps colons in words as typed. */
function takesFreeText(command: CommandInfo): boolean {
  return Object.values(command.options).some((option) => option.type === 'string' && option.rest)
}

function unknownOptionError(command: CommandInfo, name: string): UserError {
  const names = Object.keys(command.options)
  const suggestion = suggestOption(name, names)
  const guess = suggestion ? `; did you mean ${suggestion}?` : '.'
  const list = names.length ? ` Its options are ${names.join(', ')}.` : ' It takes no options.'
  return new UserError(`${echoInput(name)} is not an option of /${command.name}${guess}${list}`, 'BAD_INPUT')
}

export function usageError(command: CommandInfo, problem: string): UserError {
  const sentence = problem.charAt(0).toUpperCase() + problem.slice(1)
  return new UserError(`${sentence}.\nUsage: ${usageOf(command)}`, 'BAD_INPUT')
}

/** Shortens text for display (a proposal body in a card); for echoing user input in errors use echoInput. */
export function clip(text: string, max = 40): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text
}
