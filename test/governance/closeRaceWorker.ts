import { randomBytes } from 'node:crypto'
import { parentPort, workerData } from 'node:worker_threads'
import { pino } from 'pino'
import { SecretBox } from '../../src/app/SecretBox.ts'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { Governance, type GovernanceDeps } from '../../src/governance/Governance.ts'
import { ProtocolParameters } from '../../src/governance/ProtocolParameters.ts'
import { TokenUnits } from '../../src/ledger/TokenUnits.ts'

/** One scheduler "process" closing due proposals on its own connection, the
 *  moment every worker is released. Closing reads no chain. */
const { path, now, start } = workerData as { path: string; now: number; start: SharedArrayBuffer }
const { db, close } = openDatabase(path)
const governance = new Governance({
  db,
  clock: () => now,
  logger: pino({ level: 'silent' }),
  units: new TokenUnits('GRID', 18),
  params: new ProtocolParameters(db),
  publicClient: {} as GovernanceDeps['publicClient'],
  token: '0x0000000000000000000000000000000000000001',
  publicUrl: 'http://localhost:8787',
  secrets: new SecretBox(randomBytes(32)),
})
const gate = new Int32Array(start)
Atomics.add(gate, 1, 1)
Atomics.wait(gate, 0, 0)
// No retry: a locked database (SQLITE_BUSY) fails the worker, and with it the test.
parentPort!.postMessage({ outcomes: governance.closeDue() })
close()
