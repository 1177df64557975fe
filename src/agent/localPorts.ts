import { connect, createServer } from 'node:net'
import { sleep } from './sleep.ts'

/** A TCP port free on this machine now. Another program could take it before
 *  the workload binds it; the readiness wait then fails the launch cleanly. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Answers true once something accepts TCP connections on the port locally,
 *  false when `timeoutMs` passes or the signal aborts first. */
export async function waitForPort(port: number, { timeoutMs, signal, pollMs = 100 }: { timeoutMs: number; signal?: AbortSignal; pollMs?: number }): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!signal?.aborted && Date.now() < deadline) {
    if ((await accepts(port, '127.0.0.1')) || (await accepts(port, '::1'))) return true
    await sleep(pollMs, signal)
  }
  return false
}

function accepts(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host })
    socket.setTimeout(1000)
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
    socket.once('timeout', () => done(false))
  })
}
