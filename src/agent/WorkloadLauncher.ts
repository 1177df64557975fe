import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync, readSync, fstatSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../app/logger.ts'
import { AppError } from '../errors/AppError.ts'
import type { AgentRental } from '../protocol/agentProtocol.ts'
import { findFreePort, waitForPort } from './localPorts.ts'
import { processGroupAlive, processIdentity } from '../process/processIdentity.ts'
import { renderCommandTemplate } from './renderCommandTemplate.ts'
import { sleep } from './sleep.ts'
import type { SavedRental } from './AgentStateFile.ts'

/** A harmless workload that still gives the renter a real port that answers. */
export const DEFAULT_LAUNCHER_TEMPLATE = `node -e "require('http').createServer((q,s)=>s.end('gridshare rental {rentalId}\\n')).listen({port})"`

export interface WorkloadExit {
  /** Null when the process was adopted (not our child) or killed by a signal. */
  code: number | null
  signal: string | null
  /** The end of the workload's log, for the failure reason. */
  outputTail: string
}

/** A running workload: a process group led by the `sh -c` that runs the template. */
export interface Workload {
  pid: number
  port: number
  logFile: string
  /** See processIdentity(); saved so a later agent run can adopt this process safely. */
  identity?: string
  exited: Promise<WorkloadExit>
  /** Ends the whole group: SIGTERM, then SIGKILL after the grace period. */
  stop(): Promise<void>
}

export interface SavedWorkload {
  pid: number
  port: number
  logFile: string
  identity?: string
}

export interface LaunchParameters {
  rental: AgentRental
  /** Device ids (uuids or indexes) the workload may use. */
  gpus: string[]
  signal?: AbortSignal
  /** Called as soon as the process exists, before it is ready, so the caller
   *  can save its pid: a crash during a long start leaves no unknown process. */
  onSpawned?: (workload: Workload) => void
}

export interface Launcher {
  /** Starts the rental's workload and waits until its port answers.
   *  @throws LaunchError when it exits first, never listens, or the signal aborts */
  launch(params: LaunchParameters): Promise<Workload>
  /** Takes over a workload an earlier agent run left running; undefined when it is gone. */
  adopt(saved: SavedWorkload): Workload | undefined
  /** 'ssh' when the workloads serve SSH on their port: the renter is given an ssh line, else a URL. */
  readonly protocol?: 'ssh' | 'http'
}

/** The workload could not be brought up; the message is the failure reason sent to the coordinator. */
export class LaunchError extends AppError {
  constructor(message: string) {
    super(message, { code: 'LAUNCH_FAILED' })
  }
}

export interface WorkloadLauncherDeps {
  /** A `sh -c` command with {rentalId}, {gpus}, {endsAt}, {secret}, {port}, {image} and {sshPublicKeys}. */
  template: string
  /** Where each workload's output goes (it outlives the agent with --keep-workloads). */
  logDir: string
  logger: Logger
  findFreePort?: () => Promise<number>
  readyTimeoutMs?: number
  stopGraceMs?: number
  /** How often an adopted workload is checked for life. */
  pollMs?: number
}

/** Runs each rental's workload as `sh -c <template>` in its own process group,
 *  so stop() ends everything the template started (a docker client, a
 *  wrapper script and its children), and so Ctrl-C in the agent's terminal
 *  reaches only the agent, which decides what happens to the workloads. */
export class WorkloadLauncher implements Launcher {
  /** A template that installs the renter's keys serves SSH on {port}. */
  readonly protocol: 'ssh' | 'http'

  constructor(private readonly deps: WorkloadLauncherDeps) {
    this.protocol = deps.template.includes('{sshPublicKeys}') ? 'ssh' : 'http'
  }

  async launch({ rental, gpus, signal, onSpawned }: LaunchParameters): Promise<Workload> {
    const { template, logDir, logger, readyTimeoutMs = 120_000 } = this.deps
    const port = await (this.deps.findFreePort ?? findFreePort)()
    const endsAt = new Date(rental.endsAt).toISOString()
    const devices = gpus.join(',')
    // An older coordinator sends neither image nor keys: both render empty, so templates without them are unchanged.
    const image = rental.image ?? ''
    const sshPublicKeys = (rental.sshPublicKeys ?? []).join('\n')
    const command = renderCommandTemplate(template, { rentalId: rental.id, gpus: devices, endsAt, secret: rental.accessSecret, port: String(port), image, sshPublicKeys })
    mkdirSync(logDir, { recursive: true, mode: 0o700 })
    const logFile = join(logDir, `${rental.id}.log`)
    const fd = openSync(logFile, 'a', 0o600)
    const child = (() => {
      try {
        return spawn('/bin/sh', ['-c', command], {
          // A group of its own (see the class comment); the agent still holds and reaps it.
          detached: true,
          stdio: ['ignore', fd, fd],
          env: {
            ...process.env,
            GRIDSHARE_RENTAL_ID: rental.id,
            GRIDSHARE_GPUS: devices,
            GRIDSHARE_ENDS_AT: endsAt,
            GRIDSHARE_PORT: String(port),
            // Unlike {secret}, the environment is not visible to other users in `ps`.
            GRIDSHARE_SECRET: rental.accessSecret,
            GRIDSHARE_IMAGE: image,
            GRIDSHARE_SSH_KEYS: sshPublicKeys,
            CUDA_VISIBLE_DEVICES: devices,
            NVIDIA_VISIBLE_DEVICES: devices,
          },
        })
      } finally {
        closeSync(fd)
      }
    })()
    const exited = new Promise<WorkloadExit>((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, outputTail: error.message }))
      child.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal, outputTail: readTail(logFile) }))
    })
    child.unref()
    if (!child.pid) {
      const exit = await exited
      throw new LaunchError(`The workload could not be started: ${exit.outputTail}`)
    }
    const workload = this.track({ pid: child.pid, port, logFile, identity: processIdentity(child.pid) }, exited)
    logger.info({ rentalId: rental.id, pid: child.pid, port, gpus: devices }, 'workload started')
    onSpawned?.(workload)

    const ready = await Promise.race([waitForPort(port, { timeoutMs: readyTimeoutMs, signal }), exited.then(() => 'exited' as const)])
    if (ready === true) return workload
    if (ready === 'exited') {
      // The leader is gone; whatever it started in the group goes too.
      await workload.stop()
      const exit = await exited
      throw new LaunchError(`The workload exited (${describeExit(exit)}) before it listened on port ${port}${tailSuffix(exit.outputTail, rental.accessSecret)}`)
    }
    await workload.stop()
    if (signal?.aborted) throw new LaunchError('The workload was stopped during launch because the agent is stopping.')
    throw new LaunchError(`The workload did not listen on port ${port} within ${Math.round(readyTimeoutMs / 1000)} s.`)
  }

  adopt(saved: SavedWorkload): Workload | undefined {
    if (!processGroupAlive(saved.pid)) return undefined
    if (saved.identity !== undefined && processIdentity(saved.pid) !== saved.identity) return undefined
    const { pollMs = 1000 } = this.deps
    // Not our child, so no exit event: watch the group instead.
    const exited = new Promise<WorkloadExit>((resolve) => {
      const timer = setInterval(() => {
        if (processGroupAlive(saved.pid)) return
        clearInterval(timer)
        resolve({ code: null, signal: null, outputTail: readTail(saved.logFile) })
      }, pollMs)
      timer.unref()
    })
    return this.track(saved, exited)
  }

  private track(saved: SavedWorkload, exited: Promise<WorkloadExit>): Workload {
    const { stopGraceMs = 10_000 } = this.deps
    return {
      ...saved,
      exited,
      // The group, not the leader, decides: `sh` may be gone while a docker
      // client it started still forwards the SIGTERM to its container.
      async stop() {
        if (!processGroupAlive(saved.pid)) return
        killGroup(saved.pid, 'SIGTERM')
        if (await groupEnds(saved.pid, stopGraceMs)) return
        killGroup(saved.pid, 'SIGKILL')
        await groupEnds(saved.pid, 5_000)
      },
    }
  }
}

async function groupEnds(pgid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs
  while (Date.now() < deadline) {
    if (!processGroupAlive(pgid)) return true
    await sleep(50)
  }
  return !processGroupAlive(pgid)
}

/** How an exit is described in a failure reason. */
/** What the state file keeps of a workload, to adopt it after a restart. */
export function savedWorkload(workload: Workload): SavedRental['workload'] {
  return { pid: workload.pid, port: workload.port, logFile: workload.logFile, ...(workload.identity ? { identity: workload.identity } : {}) }
}

export function describeExit(exit: WorkloadExit): string {
  if (exit.code !== null) return `code ${exit.code}`
  if (exit.signal !== null) return `signal ${exit.signal}`
  return 'no exit status'
}

/** The output's last line, with the rental's secret blanked, as the end of a reason. */
export function tailSuffix(outputTail: string, secret: string): string {
  const lastLine = outputTail.trim().split('\n').at(-1)?.trim()
  return lastLine ? `: ${lastLine.split(secret).join('[secret]').slice(0, 300)}` : '.'
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch {
    // ESRCH: the group is already gone, which is what we wanted.
  }
}

function readTail(file: string, bytes = 2048): string {
  try {
    const fd = openSync(file, 'r')
    try {
      const size = fstatSync(fd).size
      const buffer = Buffer.alloc(Math.min(bytes, size))
      readSync(fd, buffer, 0, buffer.length, size - buffer.length)
      return buffer.toString('utf8')
    } finally {
      closeSync(fd)
    }
  } catch {
    return ''
  }
}
