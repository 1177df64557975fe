/** A coordinator's heartbeat interval is trusted within reason: a typo there must not flood it or silence the node. */
export function clampInterval(ms: number): number {
  return Math.min(600_000, Math.max(1_000, ms))
}
