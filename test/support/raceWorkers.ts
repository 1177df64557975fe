import { Worker } from 'node:worker_threads'

/** Starts `count` worker threads on one TypeScript file, holds them at a start
 *  line until all are up, releases them at once, and collects each one's message.
 *  `alongside` runs in this thread right after the release: one more racer, and
 *  the one whose code coverage Stryker sees (workers report none). */
export async function raceWorkers<T, A = void>(file: URL, count: number, data: (index: number) => Record<string, unknown>, alongside?: () => A): Promise<T[] & { alongside?: A }> {
  // [0]: the start signal, [1]: workers ready.
  const start = new SharedArrayBuffer(8)
  const gate = new Int32Array(start)
  // Under mutation testing the active mutant lives in this thread's globals; workers get it too.
  const strykerActiveMutant = (globalThis as { __stryker__?: { activeMutant?: string } }).__stryker__?.activeMutant
  const workers = Array.from(
    { length: count },
    (_, index) => new Worker(new URL('./tsWorker.mjs', import.meta.url), { workerData: { ...data(index), start, tsFile: file.href, strykerActiveMutant } }),
  )
  const results = workers.map(
    (worker) =>
      new Promise<T>((resolve, reject) => {
        worker.once('message', resolve)
        worker.once('error', reject)
        worker.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)))
      }),
  )
  try {
    const deadline = Date.now() + 60_000
    while (Atomics.load(gate, 1) < count) {
      if (Date.now() > deadline) throw new Error('workers did not start')
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 10)), ...results])
    }
    Atomics.store(gate, 0, 1)
    Atomics.notify(gate, 0)
    const mine = alongside?.()
    return Object.assign(await Promise.all(results), { alongside: mine })
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
}
