import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'

/** A long-lived challenge runner spoken to in lines: the agent writes a
 *  command on stdin and waits for the line that says it is done on stdout.
 *  The runner runs in its own process group, so stopping it (or an abort)
 *  also ends whatever it started. */
export class RunnerProcess {
  private readonly child: ChildProcessWithoutNullStreams
  private readonly lines: string[] = []
  private waiter: (() => void) | undefined
  private stderrTail = ''
  private exit: string | undefined

  constructor(command: string) {
    this.child = spawn('sh', ['-c', command], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
    let partial = ''
    this.child.stdout.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n')
      partial = parts.pop()!
      this.lines.push(...parts.map((line) => line.trim()).filter((line) => line !== ''))
      this.wake()
    })
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderrTail = (this.stderrTail + chunk.toString()).slice(-500)))
    // A runner that dies while we write must not take the agent with it (EPIPE).
    this.child.stdin.on('error', () => {})
    this.child.once('error', (error) => this.ended(error.message))
    this.child.once('exit', (code, signal) => this.ended(`exited with ${code ?? signal}`))
  }

  send(line: string): void {
    if (this.exit === undefined) this.child.stdin.write(`${line}\n`)
  }

  /** Waits for the next line; it must be `expected`.
   *  @throws Error naming what the runner said or how it ended; the abort reason on abort */
  async expect(expected: string, signal: AbortSignal): Promise<void> {
    const onAbort = () => this.stop()
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      while (this.lines.length === 0) {
        if (signal.aborted) throw signal.reason
        if (this.exit !== undefined) throw new Error(`the challenge runner ${this.exit}: ${this.stderrTail.trim().split('\n').at(-1) ?? ''}`)
        await new Promise<void>((resolve) => (this.waiter = resolve))
      }
      if (signal.aborted) throw signal.reason
      const line = this.lines.shift()!
      if (line !== expected) throw new Error(`the challenge runner said "${line.slice(0, 80)}" where "${expected}" was expected`)
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  stop(): void {
    this.child.stdin.end()
    try {
      process.kill(-this.child.pid!, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }

  private ended(how: string): void {
    this.exit ??= how
    this.wake()
  }

  private wake(): void {
    const waiter = this.waiter
    this.waiter = undefined
    waiter?.()
  }
}
