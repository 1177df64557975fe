import { parentPort, workerData } from 'node:worker_threads'
import { AppError } from '../../src/errors/AppError.ts'
import type { QuotePayload } from '../../src/market/quoteRental.ts'
import { createMarketHarness } from '../support/marketHarness.ts'

/** One "process" confirming its renters' quotes on its own connection, the
 *  moment every worker is released. */
const { path, now, jobs, start } = workerData as { path: string; now: number; jobs: { accountId: number; quote: QuotePayload }[]; start: SharedArrayBuffer }
const m = createMarketHarness({ path, start: now })
const gate = new Int32Array(start)
Atomics.add(gate, 1, 1)
Atomics.wait(gate, 0, 0)
const outcomes: string[] = []
// No retry: a locked database (SQLITE_BUSY) shows as a crash, which the test refuses.
for (let i = 0; i < jobs.length; i++) {
  const { accountId, quote } = jobs[i]!
  try {
    outcomes.push(`ok:${accountId}:${m.rentals.confirm({ accountId, quote }).id}`)
  } catch (error) {
    outcomes.push(error instanceof AppError ? `refused:${accountId}:${error.code}` : `crashed:${accountId}:${String((error as Error).message)}`)
  }
}
m.close()
parentPort!.postMessage({ outcomes })
