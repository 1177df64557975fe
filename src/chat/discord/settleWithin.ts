export type Settled<T> = { settled: true; value: T } | { settled: false }

/** Waits up to `ms` for `promise`; says whether it finished in time. The
 *  promise keeps running either way (the caller awaits it again when not).
 *  A rejection within the window is rethrown. */
export async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ settled: false }), ms)
  })
  try {
    return await Promise.race([promise.then((value): Settled<T> => ({ settled: true, value })), late])
  } finally {
    clearTimeout(timer)
  }
}
