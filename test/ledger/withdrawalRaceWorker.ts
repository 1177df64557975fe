import { workerData, parentPort } from 'node:worker_threads'
import { pino } from 'pino'
import { PayoutSender, type PayoutSenderDeps } from '../../src/chain/PayoutSender.ts'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { AppError } from '../../src/errors/AppError.ts'
import { Ledger } from '../../src/ledger/Ledger.ts'
import { TokenUnits } from '../../src/ledger/TokenUnits.ts'

/** One "process": its own connection to the shared SQLite file, asking for
 *  withdrawals as fast as it can once every worker is at the start line. */
const { path, accountId, amount, attempts, start } = workerData as { path: string; accountId: number; amount: string; attempts: number; start: SharedArrayBuffer }
const { db, close } = openDatabase(path)
const ledger = new Ledger(db)
const payouts = new PayoutSender({ db, ledger, units: new TokenUnits('GRID', 18), logger: pino({ level: 'silent' }), clock: () => Date.now(), confirmations: 1 } as unknown as PayoutSenderDeps)
const gate = new Int32Array(start)
Atomics.add(gate, 1, 1)
Atomics.wait(gate, 0, 0)
const outcomes: string[] = []
// A locked database (SQLITE_BUSY) would show here as a crash: transactions begin immediate, so none may.
for (let i = 0; i < attempts; i++) {
  try {
    outcomes.push(`ok:${payouts.requestWithdrawal({ accountId, amount: BigInt(amount) }).id}`)
  } catch (error) {
    outcomes.push(error instanceof AppError ? `refused:${error.code}` : `crashed:${String((error as Error).message)}`)
  }
}
close()
parentPort!.postMessage({ outcomes })
