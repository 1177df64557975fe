import { MessageFlags, type RepliableInteraction } from 'discord.js'
import { takeUnreachableNotice } from '../../identity/dmReachability.ts'
import { NO_PINGS } from './answerInteraction.ts'
import type { InteractionDeps } from './InteractionDeps.ts'

export const DM_CLOSED_NOTICE =
  'I could not send you a direct message: your DMs are closed to me, so notifications (jobs starting and ending, payouts, vote reminders) cannot reach you. ' +
  'To receive them, turn on Direct Messages in this server’s Privacy Settings (server menu › Privacy Settings). ' +
  'I try again after your next command here and once a day; notifications resume with the first message that goes through.'

/** After a DM to this user failed for good, tells them once, privately, the next time they use a command
 *  (once per closed spell: a retry that fails again does not tell them twice). */
export async function tellIfDmClosed(deps: InteractionDeps, interaction: RepliableInteraction): Promise<void> {
  if (!takeUnreachableNotice(deps.db, 'discord', interaction.user.id, deps.clock())) return
  await interaction.followUp({ content: DM_CLOSED_NOTICE, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS })
}
