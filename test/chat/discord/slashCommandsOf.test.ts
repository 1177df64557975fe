import { expect, test } from 'vitest'
import { commandRegistry } from '../../../commands/registry.ts'
import { slashCommandsOf } from '../../../src/chat/discord/slashCommandsOf.ts'
import { defineCommand } from '../../../src/command/defineCommand.ts'
import { opt } from '../../../src/command/options.ts'

test('the product registry renders as valid slash commands', () => {
  const [help] = slashCommandsOf(commandRegistry.filter((c) => c.name === 'help'))
  expect(help).toEqual({
    type: 1,
    name: 'help',
    description: 'List the commands, or show how to use one',
    contexts: [0, 1],
    integration_types: [0],
    options: [{ name: 'command', description: 'A command name, e.g. rent', type: 3, autocomplete: true }],
  })
})

test('a choice list longer than Discord shows becomes a typed string, validated by the pipeline', () => {
  const regions = Array.from({ length: 30 }, (_, i) => `region${i}`)
  const [command] = slashCommandsOf([
    defineCommand({
      name: 'where',
      description: 'Pick a region',
      options: { region: opt.choice({ description: 'Region', choices: regions, required: true }) },
      run: () => ({}),
    }),
  ])
  expect(command!.options).toEqual([{ name: 'region', description: 'Region', required: true, type: 3 }])
})
