import { Routes, type REST, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js'
import type { Logger } from '../../app/logger.ts'
import type { CommandDefinition } from '../../command/defineCommand.ts'
import { slashCommandsOf } from './slashCommandsOf.ts'

export interface SyncSlashCommandsParameters {
  applicationId: string
  /** Guild commands update instantly; global ones can take a while to reach every client. */
  guildId?: string
  commands: readonly CommandDefinition[]
}

/** Registers the registry's commands in one bulk overwrite, skipped when what
 *  Discord already has is the same (restarts do not churn command versions,
 *  and the daily command-create limit is left alone). */
export async function syncSlashCommands(
  deps: { rest: REST; logger: Logger },
  { applicationId, guildId, commands }: SyncSlashCommandsParameters,
): Promise<'registered' | 'unchanged'> {
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId)
  const wanted = slashCommandsOf(commands)
  const current = (await deps.rest.get(route)) as unknown[]
  const scope = guildId ? `guild ${guildId}` : 'global'
  if (canonical(current) === canonical(wanted)) {
    deps.logger.info({ scope, commands: wanted.length }, 'discord commands unchanged')
    return 'unchanged'
  }
  await deps.rest.put(route, { body: wanted })
  deps.logger.info({ scope, commands: wanted.length }, 'discord commands registered')
  return 'registered'
}

/** Only the fields we set, with Discord's defaults filled in: what Discord
 *  returns adds ids, versions and defaults that must not count as a change. */
function canonical(commands: readonly unknown[]): string {
  const shaped = (commands as RESTPostAPIChatInputApplicationCommandsJSONBody[])
    .map((c) => ({
      type: c.type ?? 1,
      name: c.name,
      description: c.description,
      contexts: [...(c.contexts ?? [])].sort(),
      integration_types: [...(c.integration_types ?? [])].sort(),
      options: (c.options ?? []).map((o) => {
        const option = o as unknown as Record<string, unknown>
        return {
          type: option.type,
          name: option.name,
          description: option.description,
          required: option.required ?? false,
          autocomplete: option.autocomplete ?? false,
          choices: ((option.choices as { name: string; value: unknown }[] | undefined) ?? []).map(({ name, value }) => ({ name, value })),
          min_value: option.min_value ?? null,
          max_value: option.max_value ?? null,
          max_length: option.max_length ?? null,
        }
      }),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return JSON.stringify(shaped)
}
