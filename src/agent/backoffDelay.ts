/** How long to wait before try number `attempt` (1 = the first retry):
 *  doubling from `baseMs` up to `maxMs`, the upper half randomised so a fleet
 *  of agents that lost the coordinator together does not return in lockstep. */
export function backoffDelay({ attempt, baseMs, maxMs, random }: { attempt: number; baseMs: number; maxMs: number; random: () => number }): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}
