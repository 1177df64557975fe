import type { CommandDefinition } from './defineCommand.ts'
import type { OptionDefinition } from './options.ts'
import { echoInput, stripInvisible } from '../errors/echoInput.ts'
import { usageError } from './parseArguments.ts'
import { expectedForm } from './usage.ts'

type Raw = string | number | boolean | undefined

const TRUE_WORDS = new Set(['yes', 'y', 'true', 'on', '1'])
const FALSE_WORDS = new Set(['no', 'n', 'false', 'off', '0'])

/** Turns raw values (typed words, or Discord's typed options) into the
 *  command's typed values, or throws one sentence naming the option. */
export function validateOptions(command: CommandDefinition, raw: Record<string, Raw>): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const [name, option] of Object.entries(command.options)) {
    // Bidi overrides and control characters would let a value read differently than it is.
    const given = typeof raw[name] === 'string' ? stripInvisible(raw[name]) : raw[name]
    if (given === undefined || given === '') {
      if (option.required) throw usageError(command, `${name} is missing: expected ${expectedForm(option)}`)
      values[name] = option.default
      continue
    }
    values[name] = convert(command, name, option, given)
  }
  return values
}

function convert(command: CommandDefinition, name: string, option: OptionDefinition, given: string | number | boolean): unknown {
  const fail = () => usageError(command, `${name} should be ${expectedForm(option)}, not "${echoInput(String(given))}"`)
  switch (option.type) {
    case 'string': {
      const text = String(given).trim()
      if (option.maxLength !== undefined && text.length > option.maxLength)
        throw usageError(command, `${name} is too long: at most ${option.maxLength} characters`)
      return text
    }
    case 'integer':
    case 'number': {
      const text = String(given).trim()
      const pattern = option.type === 'integer' ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)$/
      if (!pattern.test(text)) throw fail()
      const n = Number(text)
      if (!Number.isFinite(n)) throw fail()
      if ((option.min !== undefined && n < option.min) || (option.max !== undefined && n > option.max)) throw fail()
      return n
    }
    case 'boolean': {
      if (typeof given === 'boolean') return given
      const word = String(given).trim().toLowerCase()
      if (TRUE_WORDS.has(word)) return true
      if (FALSE_WORDS.has(word)) return false
      throw fail()
    }
    case 'choice': {
      const word = String(given).trim().toLowerCase()
      const match = option.choices.find((choice) => choice.toLowerCase() === word)
      if (match === undefined) throw fail()
      return match
    }
  }
}
