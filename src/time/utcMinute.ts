/** "2026-11-26 12:00 UTC": every time shown to people is UTC, to the minute. */
export function utcMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC'
}
