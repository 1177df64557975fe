import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  type APIApplicationCommandBasicOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js'
import type { CommandDefinition } from '../../command/defineCommand.ts'
import type { OptionDefinition } from '../../command/options.ts'

const DESCRIPTION_LIMIT = 100
const MAX_OPTIONS = 25
const MAX_CHOICES = 25

/** The registry as Discord slash commands, usable in servers and in DMs with the bot. */
export function slashCommandsOf(commands: readonly CommandDefinition[]): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return commands.map((command) => {
    const options = Object.entries(command.options)
    if (options.length > MAX_OPTIONS) throw new Error(`command ${command.name}: Discord allows at most ${MAX_OPTIONS} options`)
    // Discord rejects a required option after an optional one; otherwise the registry's order stands.
    const ordered = [...options.filter(([, o]) => o.required), ...options.filter(([, o]) => !o.required)]
    return {
      type: ApplicationCommandType.ChatInput,
      name: command.name,
      description: clip(command.description),
      options: ordered.map(([name, option]) => optionOf(name, option)),
      contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
      integration_types: [ApplicationIntegrationType.GuildInstall],
    }
  })
}

function optionOf(name: string, option: OptionDefinition): APIApplicationCommandBasicOption {
  const base = { name, description: clip(option.description), ...(option.required ? { required: true } : {}) }
  const autocomplete = option.autocomplete ? { autocomplete: true } : {}
  switch (option.type) {
    case 'string':
      return {
        ...base,
        type: ApplicationCommandOptionType.String,
        ...(option.maxLength !== undefined ? { max_length: option.maxLength } : {}),
        ...autocomplete,
      }
    case 'integer':
      return { ...base, type: ApplicationCommandOptionType.Integer, ...range(option.min, option.max), ...autocomplete }
    case 'number':
      return { ...base, type: ApplicationCommandOptionType.Number, ...range(option.min, option.max), ...autocomplete }
    case 'boolean':
      return { ...base, type: ApplicationCommandOptionType.Boolean }
    case 'choice':
      // Discord shows at most 25 fixed choices (and not together with autocomplete);
      // past that the value is typed and the pipeline validates it.
      if (option.choices.length > MAX_CHOICES) return { ...base, type: ApplicationCommandOptionType.String, ...autocomplete }
      return {
        ...base,
        type: ApplicationCommandOptionType.String,
        choices: option.choices.map((choice) => ({ name: choice, value: choice })),
      }
  }
}

function range(min: number | undefined, max: number | undefined) {
  return { ...(min !== undefined ? { min_value: min } : {}), ...(max !== undefined ? { max_value: max } : {}) }
}

function clip(text: string): string {
  return text.length > DESCRIPTION_LIMIT ? text.slice(0, DESCRIPTION_LIMIT - 1) + '…' : text
}
