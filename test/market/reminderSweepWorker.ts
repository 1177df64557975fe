import { pino } from 'pino'
import { parentPort, workerData } from 'node:worker_threads'
import { RentalReminders } from '../../src/market/rentalReminders.ts'
import { createMarketHarness } from '../support/marketHarness.ts'

/** One "process" running the reminder sweep on its own connection, the moment every worker is released. */
const { path, now, start } = workerData as { path: string; now: number; start: SharedArrayBuffer }
const m = createMarketHarness({ path, start: now })
const reminders = new RentalReminders({ db: m.db, units: m.units, rentals: m.rentals, clock: () => m.clock.now, logger: pino({ level: 'silent' }) })
const gate = new Int32Array(start)
Atomics.add(gate, 1, 1)
Atomics.wait(gate, 0, 0)
const outcome = reminders.sweep()
m.close()
parentPort!.postMessage(outcome)
