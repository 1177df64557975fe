import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, writeFileSync, type WriteStream } from 'node:fs'
import { join } from 'node:path'
import type { Hex } from 'viem'

export interface AgentSpec {
  name: string
  privateKey: Hex
  gpus: string
  price: string
  region: string
}

/** Real provider agents (`src/agent/main.ts`) as child processes, each with
 *  its own key file and state file, so a SIGKILLed agent restarts as the same
 *  machine and adopts or reports what it was running. */
export class AgentProcesses {
  private readonly children = new Map<string, ChildProcess>()
  private readonly log: WriteStream
  /** Process group ids of every start (workloads are the agents' children). */
  readonly groups: number[] = []

  constructor(
    private readonly specs: AgentSpec[],
    private readonly deps: { dir: string; cwd: string; env: Record<string, string>; coordinatorUrl: string },
  ) {
    this.log = createWriteStream(join(deps.dir, 'agents.log'), { flags: 'a' })
    for (const spec of specs) writeFileSync(this.keyFile(spec), spec.privateKey, { mode: 0o600 })
  }

  get names(): string[] {
    return this.specs.map((s) => s.name)
  }

  startAll(): void {
    for (const spec of this.specs) this.start(spec.name)
  }

  start(name: string): void {
    const spec = this.specs.find((s) => s.name === name)!
    if (this.isRunning(name)) return
    const args = [
      '--import', 'tsx', 'src/agent/main.ts',
      '--coordinator', this.deps.coordinatorUrl,
      '--private-key-file', this.keyFile(spec),
      '--gpus', spec.gpus,
      '--price', spec.price,
      '--region', spec.region,
      '--node-key', `soak-${spec.name}`,
      '--state-file', join(this.deps.dir, 'agents', spec.name, 'state.json'),
    ]
    const child = spawn(process.execPath, args, { cwd: this.deps.cwd, env: this.deps.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    if (child.pid !== undefined) this.groups.push(child.pid)
    for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (chunk: Buffer) => this.log.write(`[${spec.name}] ${chunk}`))
    this.children.set(name, child)
  }

  isRunning(name: string): boolean {
    const child = this.children.get(name)
    return child !== undefined && child.exitCode === null && child.signalCode === null
  }

  /** SIGKILL to the agent's pid only: its workloads stay, as after a real crash. */
  async kill(name: string): Promise<void> {
    const child = this.children.get(name)
    if (!child || !this.isRunning(name)) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }

  /** Ctrl-C for every agent (it stops its workloads), SIGKILL after `graceMs`. */
  async stopAll(graceMs = 15_000): Promise<void> {
    await Promise.all(
      [...this.children.keys()].filter((name) => this.isRunning(name)).map(async (name) => {
        const child = this.children.get(name)!
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGINT')
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
        await exited
        clearTimeout(timer)
      }),
    )
    this.log.end()
  }

  private keyFile(spec: AgentSpec): string {
    return join(this.deps.dir, `${spec.name}.key`)
  }
}
