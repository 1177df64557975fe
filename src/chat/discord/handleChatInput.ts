import { MessageFlags, type ChatInputCommandInteraction } from 'discord.js'
import type { Reply } from '../../command/reply.ts'
import { answerInteraction } from './answerInteraction.ts'
import { chatPlaceOf, chatUserOf } from './chatIdentityOf.ts'
import { deferBudget } from './deferBudget.ts'
import { tellIfDmClosed } from './dmClosedNotice.ts'
import type { InteractionDeps } from './InteractionDeps.ts'
import { settleWithin } from './settleWithin.ts'

/** A slash command: runs it through the pipeline and answers within Discord's
 *  3-second window, deferring first when the handler is slow. */
export async function handleChatInput(deps: InteractionDeps, interaction: ChatInputCommandInteraction): Promise<void> {
  const { pipeline } = deps
  const command = pipeline.find(interaction.commandName)
  // Unknown commands (a stale registration) answer privately.
  const privateByDefault = command ? command.private === true : true
  const raw = Object.fromEntries(interaction.options.data.map((option) => [option.name, option.value]))
  // A command known to be slow is deferred before it starts: its work would
  // block the event loop, and with it the timer that decides to defer.
  if (command?.slow) await interaction.deferReply(privateByDefault ? { flags: MessageFlags.Ephemeral } : {})
  const running = pipeline.runCommand(chatUserOf(interaction), chatPlaceOf(interaction), interaction.commandName, raw)
  if (command?.slow) {
    const reply = await running
    await answerDeferred(interaction, reply, privateByDefault)
    await reportLivePost(deps, interaction, reply)
    await tellIfDmClosed(deps, interaction)
    return
  }

  const early = await settleWithin(running, deferBudget(interaction, deps.deferAfterMs))
  if (early.settled) {
    // Errors are shown only to the person who made them.
    await answerInteraction(interaction, early.value, { first: 'reply', ephemeral: (early.value.private || early.value.error) ?? false })
  } else {
    await interaction.deferReply(privateByDefault ? { flags: MessageFlags.Ephemeral } : {})
    await answerDeferred(interaction, await running, privateByDefault)
  }
  await tellIfDmClosed(deps, interaction)
}

/** A public reply that stays live (a proposal with vote buttons in a channel) is refreshed by id later. */
async function reportLivePost(deps: InteractionDeps, interaction: ChatInputCommandInteraction, reply: Reply): Promise<void> {
  if (!reply.live || reply.private || reply.error || !deps.onLivePost || !interaction.inGuild()) return
  const message = await interaction.fetchReply()
  deps.onLivePost({ platform: 'discord', chatId: message.channelId, messageId: message.id, reply })
}

async function answerDeferred(interaction: ChatInputCommandInteraction, reply: Reply, deferredEphemeral: boolean): Promise<void> {
  if ((reply.private || reply.error) && !deferredEphemeral) {
    // The public "thinking…" placeholder must not be filled with private data.
    await interaction.deleteReply()
    await answerInteraction(interaction, reply, { first: 'followUp', ephemeral: true })
    return
  }
  await answerInteraction(interaction, reply, { first: 'edit', ephemeral: deferredEphemeral })
}
