import Database from 'better-sqlite3'

/** Waits until the product has finished what the traffic left it: no payout
 *  pending or submitted, no notification unplanned, no delivery pending or
 *  sending. At least `minMs` passes first, so the deposit watcher sees the last transfers. */
export async function waitForDrain(databasePath: string, timeoutMs: number, minMs = 10_000): Promise<{ drained: boolean; waiting: string }> {
  await new Promise((resolve) => setTimeout(resolve, minMs))
  const deadline = Date.now() + timeoutMs
  let waiting = ''
  while (Date.now() < deadline) {
    const sqlite = new Database(databasePath, { readonly: true })
    try {
      const count = (sql: string) => (sqlite.prepare(sql).get() as { n: number }).n
      const payouts = count(`select count(*) as n from payouts where status in ('pending', 'submitted')`)
      const unplanned = count('select count(*) as n from notifications where fanned_out_at is null')
      const deliveries = count(`select count(*) as n from deliveries where status in ('pending', 'sending')`)
      waiting = `${payouts} payouts in flight, ${unplanned} notifications unplanned, ${deliveries} deliveries pending`
      if (payouts + unplanned + deliveries === 0) return { drained: true, waiting }
    } finally {
      sqlite.close()
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000))
  }
  return { drained: false, waiting }
}
