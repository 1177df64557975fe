import { MessageFlags, type ButtonInteraction } from 'discord.js'
import { answerInteraction, NO_PINGS } from './answerInteraction.ts'
import { chatPlaceOf, chatUserOf } from './chatIdentityOf.ts'
import { deferBudget } from './deferBudget.ts'
import { escapeDiscordText } from './escapeDiscordText.ts'
import type { InteractionDeps } from './InteractionDeps.ts'
import { settleWithin } from './settleWithin.ts'

/** A button press: the outcome replaces the button's message (buttons gone);
 *  a rejected press (someone else's button, expired, used) is answered
 *  privately and leaves the message as it was. */
export async function handlePress(deps: InteractionDeps, interaction: ButtonInteraction): Promise<void> {
  const running = deps.pipeline.press(chatUserOf(interaction), chatPlaceOf(interaction), interaction.customId)
  const early = await settleWithin(running, deferBudget(interaction, deps.deferAfterMs))
  // A deferred update shows no placeholder and keeps the message as it is until edited.
  if (!early.settled) await interaction.deferUpdate()
  const outcome = early.settled ? early.value : await running
  const acknowledged = !early.settled

  if (outcome.status === 'rejected') {
    const message = { content: escapeDiscordText(outcome.message), flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS } as const
    if (acknowledged) await interaction.followUp(message)
    else await interaction.reply(message)
    return
  }

  // Anyone's button (a vote in a channel): the answer is the presser's alone and the message stays for the others.
  if (outcome.shared) return answerInteraction(interaction, outcome.reply, { first: acknowledged ? 'followUp' : 'reply', ephemeral: true })

  const messageEphemeral = isEphemeral(interaction.message.flags)
  if (outcome.reply.private && !messageEphemeral) {
    // Private data never goes onto a message everyone in the channel can see.
    if (acknowledged) await interaction.editReply({ components: [] })
    else await interaction.update({ components: [] })
    await answerInteraction(interaction, outcome.reply, { first: 'followUp', ephemeral: true })
    return
  }
  await answerInteraction(interaction, outcome.reply, { first: acknowledged ? 'edit' : 'update', ephemeral: messageEphemeral })
}

/** The message may be a cached Message (flags as a bit field) or, for an
 *  uncached DM channel, the raw payload (flags as a number). */
function isEphemeral(flags: unknown): boolean {
  const bits = typeof flags === 'number' ? flags : Number((flags as { bitfield?: number } | undefined)?.bitfield ?? 0)
  return (bits & MessageFlags.Ephemeral) !== 0
}
