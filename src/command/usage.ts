import type { CommandInfo } from './CommandInfo.ts'
import type { OptionDefinition } from './options.ts'

export function usageOf(command: CommandInfo): string {
  const parts = Object.entries(command.options).map(([name, option]) => {
    const label = option.type === 'string' && option.rest ? `${name}…` : name
    return option.required ? `<${label}>` : `[${label}]`
  })
  return ['/' + command.name, ...parts].join(' ')
}

/** 'a whole number from 1 to 720' and the like, for error messages. */
export function expectedForm(option: OptionDefinition): string {
  if (option.expected) return option.expected
  switch (option.type) {
    case 'integer':
      return `a whole number${range(option.min, option.max)}`
    case 'number':
      return `a number${range(option.min, option.max)}`
    case 'boolean':
      return 'yes or no'
    case 'choice':
      return `one of ${option.choices.join(', ')}`
    case 'string':
      return option.description.charAt(0).toLowerCase() + option.description.slice(1)
  }
}

function range(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`
  if (min !== undefined) return ` of at least ${min}`
  if (max !== undefined) return ` of at most ${max}`
  return ''
}
