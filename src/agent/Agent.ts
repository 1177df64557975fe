import type { AgentRental, HeartbeatResponse } from '../protocol/agentProtocol.ts'
import { ChallengeWorker } from './ChallengeWorker.ts'
import { clampInterval } from './clampInterval.ts'
import { cpuChallengeRunner } from './cpuChallengeRunner.ts'
import { sendFinishedReport } from './sendFinishedReport.ts'
import { AgentAbortedError, AgentRequestError, StateFileError } from './AgentErrors.ts'
import type { AgentDeps, AgentSettings } from './AgentDeps.ts'
import type { AgentState, PendingReport, SavedRental } from './AgentStateFile.ts'
import { gpuDeviceId, gpuReports } from './GpuInventory.ts'
import { describeExit, savedWorkload, tailSuffix, type Workload, type WorkloadExit } from './WorkloadLauncher.ts'

export type { AgentApi, AgentDeps, AgentSettings } from './AgentDeps.ts'

interface Tracked {
  saved: SavedRental
  workload: Workload
  /** The agent is ending it and will report the outcome itself. */
  stopping: boolean
  stopped?: Promise<void>
  /** Spawned but not yet answering; its launch reports a failure, not the exit watcher. */
  launching: boolean
  /** A running report is in flight. */
  reporting?: boolean
  exit?: WorkloadExit
}

const STOP_WAIT_MS = 30_000
const STOPPED_BY_PROVIDER = "The provider stopped the node agent before the rental's end."
/** A workload that ends itself this close to its end time is taken to have finished. */
const END_TOLERANCE_MS = 5_000

/** The provider node agent: registers the machine, heartbeats, and runs the rentals the
 *  coordinator dispatches, reporting each one's state. Every change is saved before it is
 *  reported, so a restarted agent adopts the workloads it left, relaunches the ones that
 *  died, and resends reports the coordinator never took. */
export class Agent {
  private state!: AgentState
  private nodeId = ''
  private signal: AbortSignal = new AbortController().signal
  private readonly tracked = new Map<string, Tracked>()
  /** Rentals between "start" and spawn (claiming), with the GPUs set aside for them. */
  private readonly launching = new Map<string, string[]>()
  /** Stop orders for rentals still in `launching`. */
  private readonly cancelled = new Set<string>()
  private readonly tasks = new Set<Promise<void>>()
  /** Rentals this run reported finished: a heartbeat answered before the
   *  coordinator took the report may still list them, and they must not run again. */
  private readonly finished = new Set<string>()
  private wake = new AbortController()
  private readonly challenges: ChallengeWorker

  constructor(private readonly deps: AgentDeps, private readonly settings: AgentSettings) {
    this.challenges = new ChallengeWorker({ ...deps, runner: deps.challengeRunner ?? (deps.inventory.simulated ? cpuChallengeRunner : undefined) })
  }

  /** Runs until the signal aborts, then shuts down as the settings say.
   *  @throws AgentRequestError when the coordinator refuses the registration,
   *          StateFileError when the state file belongs to another wallet */
  async run(signal: AbortSignal): Promise<void> {
    const { clock, sleep } = this.deps
    this.signal = signal
    this.prepare()
    this.background(this.flushReports())
    try {
      const registered = await this.register()
      let intervalMs = this.settings.heartbeatIntervalMs ?? clampInterval(registered.heartbeatIntervalMs)
      let firstBeat = true
      let nextBeatAt = 0
      while (!signal.aborted) {
        if (clock() >= nextBeatAt) {
          const answer = await this.heartbeat()
          if (answer) {
            intervalMs = this.settings.heartbeatIntervalMs ?? clampInterval(answer.heartbeatIntervalMs)
            this.apply(answer, firstBeat)
            firstBeat = false
          }
          nextBeatAt = clock() + intervalMs
        }
        this.stopEnded()
        this.wake = new AbortController()
        await sleep(Math.min(nextBeatAt, this.nextEnd()) - clock(), AbortSignal.any([signal, this.wake.signal]))
      }
    } catch (error) {
      if (!(error instanceof AgentAbortedError)) throw error
    }
    await this.shutdown()
  }

  /** Loads the state and takes over the workloads a previous run left running. */
  private prepare(): void {
    const { state: store, client, launcher, logger, newNodeKey } = this.deps
    const saved = store.load()
    if (saved && saved.address.toLowerCase() !== client.address.toLowerCase())
      throw new StateFileError(`The state file belongs to ${saved.address}, not to this key's ${client.address}; pass another --state-file.`)
    const nodeKey = this.settings.nodeKey ?? saved?.nodeKey ?? newNodeKey()
    if (saved && saved.nodeKey !== nodeKey) logger.warn({ was: saved.nodeKey, now: nodeKey }, 'node key changed: this registers as a different node')
    this.state = { version: 1, address: client.address, nodeKey, rentals: [], pendingReports: saved?.pendingReports ?? [] }
    for (const rental of saved?.rentals ?? []) {
      const workload = launcher.adopt(rental.workload)
      if (!workload) {
        // Relaunched if the coordinator still lists it as active.
        logger.info({ rentalId: rental.rental.id }, 'the workload of a saved rental is gone')
        continue
      }
      logger.info({ rentalId: rental.rental.id, pid: workload.pid }, 'adopted a running workload')
      this.watch({ saved: rental, workload, stopping: false, launching: false })
    }
    this.persist()
  }

  private async register(): Promise<{ heartbeatIntervalMs: number }> {
    const { client, inventory, logger } = this.deps
    const { pricePerGpuHour, region, energy } = this.settings
    const answer = await client.registerNode({ nodeKey: this.state.nodeKey, gpus: gpuReports(inventory), pricePerGpuHour, region, energy, simulated: inventory.simulated, freeDiskMb: this.deps.readFreeDiskMb?.() }, this.signal)
    this.nodeId = answer.nodeId
    this.state.nodeId = answer.nodeId
    this.persist()
    logger.info({ nodeId: answer.nodeId, nodeKey: this.state.nodeKey, gpus: inventory.gpus.length }, 'registered with the coordinator')
    // A challenge runs beside the rentals, on the GPUs they leave free.
    if (answer.challenge) this.background(this.challenges.run(this.nodeId, answer.challenge, this.freeGpus(), this.signal))
    return answer
  }

  /** One heartbeat; undefined when it failed in a way the next one may not. */
  private async heartbeat(): Promise<HeartbeatResponse | undefined> {
    const { client, inventory, logger } = this.deps
    try {
      const utilization = await inventory.readUtilization()
      return await client.heartbeat(this.nodeId, { utilization, running: [...this.tracked.keys()], freeDiskMb: this.deps.readFreeDiskMb?.() }, this.signal)
    } catch (error) {
      if (error instanceof AgentAbortedError) throw error
      if (error instanceof AgentRequestError && (error.status === 404 || error.status === 403)) {
        // The coordinator lost or reassigned the node (a reset database, another key): register afresh.
        logger.warn({ err: error }, 'the coordinator does not know this node; registering again')
        await this.register().catch((again) => {
          if (again instanceof AgentAbortedError) throw again
          logger.error({ err: again }, 'registering again failed')
        })
        return undefined
      }
      logger.error({ err: error }, 'heartbeat failed')
      return undefined
    }
  }

  private apply(answer: HeartbeatResponse, firstBeat: boolean): void {
    const { logger } = this.deps
    if (answer.challenge) this.background(this.challenges.run(this.nodeId, answer.challenge, this.freeGpus(), this.signal))
    const toStop = new Set(answer.stop)
    for (const id of toStop) {
      if (this.tracked.has(id)) this.background(this.stopRental(id, 'completed'))
      else if (this.launching.has(id)) this.cancelled.add(id)
    }
    for (const rental of answer.active) {
      const entry = this.tracked.get(rental.id)
      // /extend moves the end; the coordinator's active list is where the agent learns it.
      if (entry && entry.saved.rental.endsAt !== rental.endsAt) {
        logger.info({ rentalId: rental.id, endsAt: new Date(rental.endsAt).toISOString() }, 'rental end moved')
        entry.saved.rental = { ...entry.saved.rental, endsAt: rental.endsAt }
        this.persist()
      }
    }
    for (const rental of answer.start) if (!this.known(rental.id) && !toStop.has(rental.id)) this.background(this.startRental(rental, { claim: true }))
    for (const rental of answer.active) if (!this.known(rental.id) && !toStop.has(rental.id)) this.background(this.startRental(rental, { claim: false }))
    const listed = new Set([...answer.start, ...answer.active].map((rental) => rental.id))
    for (const [id, entry] of this.tracked) {
      // The first answer after a restart settles what the agent adopted from its state file.
      if (firstBeat && !listed.has(id) && !toStop.has(id)) this.background(this.stopRental(id))
      // A running report lost to an error, or to the previous run's end, is sent again.
      else if (listed.has(id) && !entry.saved.runningReported && !entry.launching && !entry.reporting) this.background(this.reportRunning(entry))
    }
  }

  private async startRental(rental: AgentRental, { claim }: { claim: boolean }): Promise<void> {
    const { client, launcher, clock, logger } = this.deps
    // GPUs a stopping workload still holds come free in a moment: wait for them (bounded) rather than fail the renter.
    if (this.freeGpus().length < rental.gpuCount) await Promise.race([Promise.all([...this.tracked.values()].map((e) => e.stopped)), this.deps.sleep(STOP_WAIT_MS, this.signal)])
    const free = this.freeGpus()
    const gpus = free.length >= rental.gpuCount ? free.slice(0, rental.gpuCount) : undefined
    this.launching.set(rental.id, gpus ?? [])
    let entry: Tracked | undefined
    try {
      if (claim) {
        try {
          await client.claim(rental.id, this.signal)
        } catch (error) {
          if (!(error instanceof AgentRequestError)) throw error
          logger.warn({ rentalId: rental.id, err: error }, 'the coordinator refused the claim')
          return
        }
      }
      if (this.cancelled.has(rental.id) || clock() >= rental.endsAt) return await this.report(rental.id, 'completed')
      if (!gpus) {
        return await this.report(rental.id, 'failed', `This node has ${free.length} free GPUs but the rental needs ${rental.gpuCount}.`)
      }
      if (!claim) logger.info({ rentalId: rental.id }, 'relaunching an active rental this agent is not running')
      let workload: Workload
      try {
        workload = await launcher.launch({
          rental,
          gpus,
          signal: this.signal,
          onSpawned: (spawned) => {
            entry = { saved: { rental, gpus, workload: savedWorkload(spawned), runningReported: false }, workload: spawned, stopping: false, launching: true }
            this.watch(entry)
          },
        })
      } catch (error) {
        if (entry?.stopping) return
        if (entry) this.forget(rental.id)
        logger.warn({ rentalId: rental.id, err: error }, 'workload launch failed')
        return await this.report(rental.id, 'failed', error instanceof Error ? error.message : String(error))
      }
      entry ??= this.watch({ saved: { rental, gpus, workload: savedWorkload(workload), runningReported: false }, workload, stopping: false, launching: true })
      entry.launching = false
      if (entry.exit) return this.onExit(entry, entry.exit)
      if (this.cancelled.has(rental.id)) return await this.stopRental(rental.id, 'completed')
      await this.reportRunning(entry)
    } finally {
      this.launching.delete(rental.id)
      this.cancelled.delete(rental.id)
    }
  }

  private async reportRunning(entry: Tracked): Promise<void> {
    const { client, logger } = this.deps
    const { rental, workload } = entry.saved
    const connection = {
      host: this.settings.publicHost,
      port: String(workload.port),
      user: 'gridshare',
      secret: rental.accessSecret,
      endsAt: new Date(rental.endsAt).toISOString(),
      ...(this.deps.launcher.protocol === 'ssh' ? { protocol: 'ssh' } : {}),
    }
    entry.reporting = true
    try {
      await client.running(rental.id, { connection }, this.signal)
    } catch (error) {
      if (!(error instanceof AgentRequestError)) throw error
      // The rental ended or moved while it started; it is no longer ours to run.
      logger.warn({ rentalId: rental.id, err: error }, 'the coordinator refused the running report; stopping the workload')
      return this.stopRental(rental.id)
    } finally {
      entry.reporting = false
    }
    entry.saved.runningReported = true
    this.persist()
    logger.info({ rentalId: rental.id, port: workload.port }, 'rental running')
  }

  /** Ends a workload; reports the outcome unless none is given (the coordinator no longer holds the rental). */
  private async stopRental(id: string, outcome?: PendingReport['outcome'], reason?: string): Promise<void> {
    const entry = this.tracked.get(id)
    if (!entry || entry.stopping) return
    entry.stopping = true
    await (entry.stopped = entry.workload.stop())
    this.forget(id)
    this.deps.logger.info({ rentalId: id, outcome: outcome ?? 'dropped' }, 'workload stopped')
    if (outcome) await this.report(id, outcome, reason)
  }

  private onExit(entry: Tracked, exit: WorkloadExit): void {
    entry.exit = exit
    if (entry.stopping || entry.launching) return
    const { rental } = entry.saved
    this.forget(rental.id)
    // The group may still hold what the workload started.
    this.background(entry.workload.stop())
    if (this.deps.clock() >= rental.endsAt - END_TOLERANCE_MS) {
      this.background(this.report(rental.id, 'completed'))
      return
    }
    const reason = `The workload exited (${describeExit(exit)}) before the rental's end${tailSuffix(exit.outputTail, rental.accessSecret)}`
    this.deps.logger.warn({ rentalId: rental.id, reason }, 'workload ended early')
    this.background(this.report(rental.id, 'failed', reason))
  }

  /** Saves the report, then sends it; one the coordinator does not take stays saved for the next try. */
  private async report(rentalId: string, outcome: PendingReport['outcome'], reason?: string): Promise<void> {
    const report: PendingReport = { rentalId, outcome, ...(reason ? { reason: reason.slice(0, 500) } : {}) }
    this.finished.add(rentalId)
    if (this.finished.size > 1_000) this.finished.delete(this.finished.values().next().value as string)
    this.state.pendingReports.push(report)
    this.persist()
    await this.sendReport(report)
  }

  private async sendReport(report: PendingReport): Promise<void> {
    if (!(await sendFinishedReport(this.deps, report, this.signal))) return
    this.state.pendingReports = this.state.pendingReports.filter((pending) => pending !== report)
    this.persist()
  }

  private async flushReports(): Promise<void> {
    for (const report of [...this.state.pendingReports]) await this.sendReport(report)
  }

  private stopEnded(): void {
    const now = this.deps.clock()
    for (const [id, entry] of this.tracked) if (!entry.stopping && now >= entry.saved.rental.endsAt) this.background(this.stopRental(id, 'completed'))
  }

  private nextEnd(): number {
    let next = Infinity
    for (const entry of this.tracked.values()) if (!entry.stopping) next = Math.min(next, entry.saved.rental.endsAt)
    return next
  }

  private async shutdown(): Promise<void> {
    const { logger } = this.deps
    // Let in-flight work settle: requests give up at once on the aborted signal, launches are stopped.
    await Promise.allSettled([...this.tasks])
    this.signal = AbortSignal.timeout(this.settings.shutdownReportMs ?? 15_000)
    if (this.settings.keepWorkloads) {
      logger.info({ rentals: [...this.tracked.keys()] }, 'leaving workloads running for the next agent run')
    } else {
      await Promise.allSettled([...this.tracked.keys()].map((id) => this.stopRental(id, 'failed', STOPPED_BY_PROVIDER)))
    }
    await this.flushReports()
    this.persist()
    if (this.state.pendingReports.length > 0) logger.warn({ pending: this.state.pendingReports.length }, 'some reports were not delivered; the next agent run sends them')
    // Renters must not be quoted a node that is gone; a restart that keeps its workloads comes straight back.
    if (this.nodeId && !this.settings.keepWorkloads)
      await this.deps.client.deregister(this.nodeId, this.signal).catch((error) => logger.warn({ err: error }, 'deregistering failed; the node goes offline after missed heartbeats'))
  }

  private watch(entry: Tracked): Tracked {
    this.tracked.set(entry.saved.rental.id, entry)
    this.persist()
    void entry.workload.exited.then((exit) => this.onExit(entry, exit))
    // A new end may be earlier than the one the loop sleeps towards.
    this.wake.abort()
    return entry
  }

  private forget(id: string): void {
    this.tracked.delete(id)
    this.persist()
  }

  private known(id: string): boolean {
    return this.tracked.has(id) || this.launching.has(id) || this.finished.has(id) || this.state.pendingReports.some((report) => report.rentalId === id)
  }

  /** Device ids no rental holds (nor is claiming), lowest first. */
  private freeGpus(): string[] {
    const used = new Set([...[...this.tracked.values()].flatMap((entry) => entry.saved.gpus), ...[...this.launching.values()].flat()])
    return this.deps.inventory.gpus.map(gpuDeviceId).filter((id) => !used.has(id))
  }

  private persist(): void {
    this.state.rentals = [...this.tracked.values()].map((entry) => entry.saved)
    this.deps.state.save(this.state)
  }

  private background(task: Promise<void>): void {
    const settled: Promise<void> = task
      .catch((error) => {
        if (!(error instanceof AgentAbortedError)) this.deps.logger.error({ err: error }, 'agent task failed')
      })
      .finally(() => this.tasks.delete(settled))
    this.tasks.add(settled)
  }
}
