import { MessageFlags, type RepliableInteraction } from 'discord.js'
import { takeUnreachableNotice } from '../../identity/dmReachability.ts'
import { NO_PINGS } from './answerInteraction.ts'
import type { InteractionDeps } from './InteractionDeps.ts'

export const DM_CLOSED_NOTICE =
  'I could not send you a direct message: your DMs are closed to me, so notifications (jobs starting and ending, payouts, vote reminders) cannot reach you. ' +
  'To receive them, allow direct messages from this server’s members in your Privacy Settings.'

/** After a DM to this user failed for good, tells them once, privately, the next time they use a command. */
export async function tellIfDmClosed(deps: InteractionDeps, interaction: RepliableInteraction): Promise<void> {
  if (!takeUnreachableNotice(deps.db, 'discord', interaction.user.id, deps.clock())) return
  await interaction.followUp({ content: DM_CLOSED_NOTICE, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS })
}
