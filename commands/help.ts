import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { UserError } from '../src/errors/AppError.ts'
import { echoInput } from '../src/errors/echoInput.ts'
import type { OptionDefinition } from '../src/command/options.ts'
import { suggestCommand } from '../src/command/suggestCommand.ts'
import { expectedForm, usageOf } from '../src/command/usage.ts'

export default defineCommand({
  name: 'help',
  description: 'List the commands, or show how to use one',
  options: {
    command: opt.string({ description: 'A command name, e.g. rent', autocomplete: 'commands' }),
  },
  examples: ['/help', '/help rent'],
  run({ command: wanted }, ctx) {
    const visible = ctx.commands.filter((c) => !c.adminOnly || ctx.isAdmin)
    if (!wanted) {
      return {
        title: 'Gridshare commands',
        text: visible.map((c) => `/${c.name} — ${c.description}`).join('\n'),
        fields: [{ name: 'More', value: 'Type /help <command> for its options and examples.' }],
      }
    }
    const name = wanted.replace(/^\//, '').toLowerCase()
    const command = visible.find((c) => c.name === name)
    if (!command) {
      const suggestion = suggestCommand(name, visible.map((c) => c.name))
      throw new UserError(`There is no command /${echoInput(name)}${suggestion ? ` — did you mean /${suggestion}?` : '.'} Type /help for the list.`)
    }
    const options = Object.entries(command.options).map(
      ([option, def]) =>
        `${option}${def.required ? '' : ' (optional)'}: ${def.description}${showsExpectedForm(def) ? `; ${expectedForm(def)}` : ''}`,
    )
    return {
      title: `/${command.name} — ${command.description}`,
      text: `Usage: ${usageOf(command)}`,
      fields: [
        ...(options.length ? [{ name: 'Options', value: options.join('\n') }] : []),
        ...(command.examples?.length ? [{ name: 'Examples', value: command.examples.join('\n') }] : []),
      ],
    }
  },
})

/** A text option's description already gives its example ("e.g. 2.5"): saying "an amount such as 2.5" again reads doubled. */
function showsExpectedForm(option: OptionDefinition): boolean {
  return option.type !== 'string' || (option.expected !== undefined && !option.description.includes('e.g.'))
}
