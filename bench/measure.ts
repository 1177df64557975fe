import os from 'node:os'

export interface BenchRow {
  name: string
  /** Operations per second sustained over the run. */
  opsPerSecond: number
  p50Ms?: number
  p99Ms?: number
  /** Free-form result for rows that are not a rate (e.g. gas per recipient). */
  note?: string
}

/** What a scalable bench (one exporting `scalable = true`) is sized by: `--nodes`. */
export interface BenchSize {
  nodes: number
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown cpu'
  return `${os.cpus().length} cores, ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`
}

/** Runs `total` operations with `concurrency` in flight and reports rate and latency percentiles. */
export async function measure(
  name: string,
  { total, concurrency }: { total: number; concurrency: number },
  operation: (i: number) => Promise<unknown> | unknown,
): Promise<BenchRow> {
  const latencies = new Float64Array(total)
  let next = 0
  const started = performance.now()
  const worker = async () => {
    while (next < total) {
      const i = next++
      const t0 = performance.now()
      await operation(i)
      latencies[i] = performance.now() - t0
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const seconds = (performance.now() - started) / 1000
  return { name, opsPerSecond: total / seconds, ...percentiles(latencies) }
}

export function percentiles(latencies: ArrayLike<number>): { p50Ms: number; p99Ms: number } {
  const sorted = Float64Array.from(latencies).sort()
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  return { p50Ms: at(0.5), p99Ms: at(0.99) }
}

/** Open loop: operations arrive at `ratePerSecond` whatever the latency, and
 *  each latency counts from its scheduled arrival, so queueing shows up. */
export async function measureAtRate(
  name: string,
  { total, ratePerSecond }: { total: number; ratePerSecond: number },
  operation: (i: number) => Promise<unknown> | unknown,
): Promise<BenchRow> {
  const latencies = new Float64Array(total)
  const pending: Promise<unknown>[] = []
  const started = performance.now()
  let launched = 0
  while (launched < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * ratePerSecond))
    for (; launched < due; launched++) {
      const i = launched
      const arrival = started + (i / ratePerSecond) * 1000
      pending.push(Promise.resolve(operation(i)).then(() => (latencies[i] = performance.now() - arrival)))
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
  await Promise.all(pending)
  const seconds = (performance.now() - started) / 1000
  return { name, opsPerSecond: total / seconds, ...percentiles(latencies), note: `offered ${ratePerSecond.toLocaleString('en-US')}/s` }
}
