/** "2026-11-26 12:00 UTC": proposals open and close at explicit UTC times. */
export function utcMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC'
}
