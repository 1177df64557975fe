import type { BaseInteraction } from 'discord.js'

/** Discord drops an interaction not acknowledged within 3 s of its creation. */
const ACK_DEADLINE_MS = 3000
/** Room left for the acknowledgement request itself to reach Discord. */
const ACK_SAFETY_MS = 1000

/** How long to let a handler run before deferring. Time the interaction
 *  already spent in transit (a lagging gateway, a busy event loop) comes off
 *  the budget. Wall-clock time on purpose: it is compared with the snowflake
 *  timestamp Discord minted, not with the app's (possibly simulated) clock. */
export function deferBudget(interaction: BaseInteraction, deferAfterMs: number): number {
  const age = Math.max(0, Date.now() - interaction.createdTimestamp)
  return Math.max(0, Math.min(deferAfterMs, ACK_DEADLINE_MS - ACK_SAFETY_MS - age))
}
