import { MessageFlags, type MessageComponentInteraction, type RepliableInteraction } from 'discord.js'
import type { Reply } from '../../command/reply.ts'
import { renderDiscordMessages } from './renderDiscordMessages.ts'

/** How the first message of an answer is sent; the rest are follow-ups.
 *  - reply: the interaction's first acknowledgement (type 4)
 *  - edit: the interaction was deferred; fill in the original (PATCH @original)
 *  - update: a button's message is replaced (type 7)
 *  - followUp: already acknowledged and the original is not to be touched */
export type FirstMessage = 'reply' | 'edit' | 'update' | 'followUp'

export const NO_PINGS = { parse: [] as [] }

export async function answerInteraction(
  interaction: RepliableInteraction,
  reply: Reply,
  { first, ephemeral }: { first: FirstMessage; ephemeral: boolean },
): Promise<void> {
  const messages = renderDiscordMessages(reply)
  const flags = ephemeral ? MessageFlags.Ephemeral : undefined
  for (const [i, { embeds, components }] of messages.entries()) {
    // content '' clears the text of a message being replaced (a deferred "thinking…", an old answer).
    const message = { content: '', embeds, components, allowedMentions: NO_PINGS }
    if (i > 0 || first === 'followUp') await interaction.followUp({ ...message, flags })
    else if (first === 'reply') await interaction.reply({ ...message, flags })
    else if (first === 'edit') await interaction.editReply(message)
    else await (interaction as MessageComponentInteraction).update(message)
  }
}
