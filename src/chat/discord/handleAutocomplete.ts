import { ApplicationCommandOptionType, type AutocompleteInteraction } from 'discord.js'
import { chatPlaceOf, chatUserOf } from './chatIdentityOf.ts'
import type { InteractionDeps } from './InteractionDeps.ts'
import { settleWithin } from './settleWithin.ts'

/** Autocomplete cannot be deferred: a source slower than this answers with no suggestions. */
const AUTOCOMPLETE_BUDGET_MS = 2000
const MAX_CHOICES = 25
const CHOICE_LIMIT = 100

export async function handleAutocomplete(deps: InteractionDeps, interaction: AutocompleteInteraction): Promise<void> {
  const focused = interaction.options.getFocused(true)
  const lookup = deps.pipeline.autocomplete(chatUserOf(interaction), chatPlaceOf(interaction), interaction.commandName, focused.name, focused.value)
  const found = await settleWithin(lookup, AUTOCOMPLETE_BUDGET_MS)
  if (!found.settled) deps.logger.warn({ command: interaction.commandName, option: focused.name }, 'autocomplete too slow; answered empty')
  const numeric = focused.type === ApplicationCommandOptionType.Integer || focused.type === ApplicationCommandOptionType.Number
  const choices = (found.settled ? found.value : [])
    .filter((value) => value.length > 0 && value.length <= CHOICE_LIMIT && (!numeric || Number.isFinite(Number(value))))
    .slice(0, MAX_CHOICES)
    .map((value) => ({ name: value, value: numeric ? Number(value) : value }))
  await interaction.respond(choices)
}
