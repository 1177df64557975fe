import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { z } from 'zod'
import { StateFileError } from './AgentErrors.ts'
import { agentRentalSchema } from './agentResponses.ts'

const savedRentalSchema = z.object({
  rental: agentRentalSchema,
  gpus: z.array(z.string()),
  workload: z.object({ pid: z.number().int().positive(), port: z.number().int().positive(), logFile: z.string(), identity: z.string().optional() }),
  /** False until the coordinator has the connection details. */
  runningReported: z.boolean(),
})

const pendingReportSchema = z.object({
  rentalId: z.string(),
  outcome: z.enum(['completed', 'failed']),
  reason: z.string().optional(),
})

const agentStateSchema = z.object({
  version: z.literal(1),
  address: z.string(),
  nodeKey: z.string(),
  nodeId: z.string().optional(),
  rentals: z.array(savedRentalSchema),
  /** `finished` reports not yet accepted by the coordinator; sent again after a restart. */
  pendingReports: z.array(pendingReportSchema),
})

export type SavedRental = z.infer<typeof savedRentalSchema>
export type PendingReport = z.infer<typeof pendingReportSchema>
export type AgentState = z.infer<typeof agentStateSchema>

export interface StateStore {
  /** The saved state, or undefined before the first save.
   *  @throws StateFileError when a saved state cannot be read */
  load(): AgentState | undefined
  save(state: AgentState): void
}

/** The agent's state as a JSON file, replaced atomically (write a temporary
 *  file, fsync, rename) so a crash mid-write leaves the old state, never half
 *  of one. It holds access secrets, so only the owner may read it. */
export class AgentStateFile implements StateStore {
  constructor(readonly path: string) {}

  load(): AgentState | undefined {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw new StateFileError(`Cannot read the state file ${this.path} (${(error as NodeJS.ErrnoException).code}).`)
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new StateFileError(`The state file ${this.path} is not valid JSON; move it away to start afresh.`)
    }
    const parsed = agentStateSchema.safeParse(json)
    if (!parsed.success) throw new StateFileError(`The state file ${this.path} does not hold an agent state; move it away to start afresh.`)
    return parsed.data
  }

  save(state: AgentState): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 })
    const tmp = `${this.path}.${process.pid}.tmp`
    const fd = openSync(tmp, 'w', 0o600)
    try {
      writeSync(fd, `${JSON.stringify(state, null, 2)}\n`)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, this.path)
  }
}
