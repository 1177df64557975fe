import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, type WriteStream } from 'node:fs'
import type { Address } from 'viem'

export interface ProductStart {
  rpcUrl: string
  token: Address
  treasury: Address
  httpPort: number
}

/** `node --import tsx src/app/main.ts` as a child process on one data
 *  directory: started, SIGKILLed and started again on the same files. Its
 *  stdin stays open (the product stops when piped console input ends) and
 *  its output goes to a log file, read for the start-up summary. */
export class ProductProcess {
  private child: ChildProcess | undefined
  private readonly log: WriteStream
  /** Process group ids of every start, so the end can find what each left behind. */
  readonly groups: number[] = []
  current: ProductStart | undefined

  constructor(private readonly env: Record<string, string>, logFile: string, private readonly cwd: string) {
    this.log = createWriteStream(logFile, { flags: 'a' })
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
  }

  /** Starts the product and waits for "HTTP on port N." on stderr.
   *  @throws Error with the stderr tail when it exits or takes longer than `timeoutMs` */
  async start(timeoutMs = 120_000): Promise<ProductStart> {
    if (this.running) throw new Error('the product is already running')
    // Its own process group: the end of the soak sweeps each group for leftovers.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/app/main.ts'], { cwd: this.cwd, env: this.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true })
    this.child = child
    if (child.pid !== undefined) this.groups.push(child.pid)
    let stderr = ''
    this.log.write(`\n---- soak: product start pid ${child.pid} at ${new Date().toISOString()}\n`)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`the product did not start within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`)), timeoutMs)
      const fail = (error: Error) => {
        clearTimeout(timer)
        child.stderr!.off('data', onData)
        reject(error)
      }
      const onData = (chunk: Buffer) => {
        stderr += chunk.toString()
        const summary = /Dev chain \d+ at (http:\/\/127\.0\.0\.1:\d+): token \S+ at (0x[0-9a-fA-F]{40}), treasury (0x[0-9a-fA-F]{40})/.exec(stderr)
        const port = /HTTP on port (\d+)\./.exec(stderr)
        if (!summary || !port) return
        clearTimeout(timer)
        child.stderr!.off('data', onData)
        this.current = { rpcUrl: summary[1]!, token: summary[2] as Address, treasury: summary[3] as Address, httpPort: Number(port[1]) }
        resolve(this.current)
      }
      child.stderr!.on('data', onData)
      child.stderr!.pipe(this.log, { end: false })
      child.stdout!.pipe(this.log, { end: false })
      child.once('exit', (code, signal) => fail(new Error(`the product exited (${code ?? signal}) while starting; stderr: ${stderr.slice(-2000)}`)))
    })
  }

  /** A crash: SIGKILL to the product's own pid only (not its group), as a kernel OOM kill would. */
  async kill(): Promise<void> {
    const child = this.child
    if (!child || !this.running) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
    this.log.write(`\n---- soak: product SIGKILLed at ${new Date().toISOString()}\n`)
  }

  /** A clean stop (SIGTERM), SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    const child = this.child
    if (!child || !this.running) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
  }

  close(): void {
    this.log.end()
  }
}
