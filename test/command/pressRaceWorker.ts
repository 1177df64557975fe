import { parentPort, workerData } from 'node:worker_threads'
import { claimAction } from '../../src/command/actionStore.ts'
import { openDatabase } from '../../src/db/openDatabase.ts'

/** One "process" pressing, on its own connection, one button of every group the
 *  moment all workers are released: Confirm in even workers, Cancel in odd ones. */
const { path, groups, index, start } = workerData as { path: string; groups: { confirm: string; cancel: string }[]; index: number; start: SharedArrayBuffer }
const { db, close } = openDatabase(path)
const gate = new Int32Array(start)
Atomics.add(gate, 1, 1)
Atomics.wait(gate, 0, 0)
const presser = { platform: 'telegram' as const, id: 'presser', name: 'presser' }
const claimed: string[] = []
// No retry: a locked database (SQLITE_BUSY) fails the worker, and with it the test.
for (const group of groups) {
  const id = index % 2 === 0 ? group.confirm : group.cancel
  if (claimAction(db, { id, presser, presserAccountId: () => 1, now: Date.now() }).status === 'ok') claimed.push(id)
}
close()
parentPort!.postMessage({ claimed })
