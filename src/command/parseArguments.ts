import { UserError } from '../errors/AppError.ts'
import type { CommandInfo } from './CommandInfo.ts'
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

/** Maps words typed after a command to its options: `name:value` pairs by
 *  name, other words to the unfilled options in order. Values stay strings;
 *  validateOptions turns them into typed values. */
export function parseArguments(command: CommandInfo, text: string): Record<string, string> {
  const names = Object.keys(command.options)
  const values: Record<string, string> = {}
  const positional: string[] = []
  for (const token of tokenize(text)) {
    const named = /^([a-z0-9_]{1,32}):(.*)$/is.exec(token)
    const name = named?.[1]!.toLowerCase()
    if (name && names.includes(name)) {
      if (name in values) throw usageError(command, `${name} is given twice`)
      values[name] = named![2]!
    } else {
      positional.push(token)
    }
  }
  const open = names.filter((name) => !(name in values))
  for (const [index, name] of open.entries()) {
    if (positional.length === 0) break
    const option = command.options[name]!
    if (option.type === 'string' && option.rest && index === open.length - 1) {
      values[name] = positional.splice(0).join(' ')
    } else {
      values[name] = positional.shift()!
    }
  }
  if (positional.length > 0) throw usageError(command, `there is more than this command takes ("${clip(positional.join(' '))}")`)
  return values
}

export function usageError(command: CommandInfo, problem: string): UserError {
  const sentence = problem.charAt(0).toUpperCase() + problem.slice(1)
  return new UserError(`${sentence}.\nUsage: ${usageOf(command)}`, 'BAD_INPUT')
}

export function clip(text: string, max = 40): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text
}
