import { randomBytes } from 'node:crypto'
import { DiscordAPIError, MessageFlags, RESTJSONErrorCodes, type Interaction } from 'discord.js'
import { retryDmAfterInteraction } from '../../identity/dmReachability.ts'
import { handleAutocomplete } from './handleAutocomplete.ts'
import { handleChatInput } from './handleChatInput.ts'
import { handlePress } from './handlePress.ts'
import type { InteractionDeps } from './InteractionDeps.ts'

/** The error boundary for everything arriving from the gateway: failures are
 *  logged with a reference, and the user gets one private sentence quoting it. */
export async function handleInteraction(deps: InteractionDeps, interaction: Interaction): Promise<void> {
  try {
    if (interaction.isChatInputCommand()) await handleChatInput(deps, interaction)
    else if (interaction.isAutocomplete()) await handleAutocomplete(deps, interaction)
    else if (interaction.isButton()) await handlePress(deps, interaction)
    // Discord never says when someone opens their DMs again; using the bot is the cue to try.
    if (interaction.isChatInputCommand() || interaction.isButton()) retryDmAfterInteraction(deps.db, 'discord', interaction.user.id)
  } catch (error) {
    const context = { interactionId: interaction.id, type: interaction.type, user: interaction.user.id }
    if (isGone(error)) {
      // Too late, or answered already: there is no one left to tell.
      deps.logger.warn({ ...context, err: error }, 'discord interaction could not be answered')
      return
    }
    const ref = randomBytes(3).toString('hex')
    deps.logger.error({ ...context, err: error, ref }, 'discord interaction failed')
    if (!interaction.isRepliable()) return
    const message = { content: `Something went wrong (ref ${ref}). Please try again.`, flags: MessageFlags.Ephemeral } as const
    try {
      if (interaction.replied || interaction.deferred) await interaction.followUp(message)
      else await interaction.reply(message)
    } catch (secondError) {
      deps.logger.warn({ ...context, err: secondError, ref }, 'could not tell the user about a failed interaction')
    }
  }
}

function isGone(error: unknown): boolean {
  return (
    error instanceof DiscordAPIError &&
    (error.code === RESTJSONErrorCodes.UnknownInteraction || error.code === RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged)
  )
}
