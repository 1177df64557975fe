import { Worker } from 'node:worker_threads'

/** Starts `count` worker threads on one TypeScript file, holds them at a start
 *  line until all are up, releases them at once, and collects each one's message. */
export async function raceWorkers<T>(file: URL, count: number, data: (index: number) => Record<string, unknown>): Promise<T[]> {
  // [0]: the start signal, [1]: workers ready.
  const start = new SharedArrayBuffer(8)
  const gate = new Int32Array(start)
  const workers = Array.from({ length: count }, (_, index) => new Worker(new URL('./tsWorker.mjs', import.meta.url), { workerData: { ...data(index), start, tsFile: file.href } }))
  const results = workers.map(
    (worker) =>
      new Promise<T>((resolve, reject) => {
        worker.once('message', resolve)
        worker.once('error', reject)
        worker.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)))
      }),
  )
  const deadline = Date.now() + 60_000
  while (Atomics.load(gate, 1) < count) {
    if (Date.now() > deadline) throw new Error('workers did not start')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  Atomics.store(gate, 0, 1)
  Atomics.notify(gate, 0)
  try {
    return await Promise.all(results)
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
}
