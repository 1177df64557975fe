import { markedProcesses, sweepMarkedProcesses, type MarkedProcess } from '../../src/process/markedProcesses.ts'

/** Every process the soak starts inherits this variable (anvil, workloads and
 *  agents included), so the end can find any it did not stop. */
export const SOAK_RUN_VARIABLE = 'GRIDSHARE_SOAK_RUN'

export const leftoverProcesses = (id: string): MarkedProcess[] => markedProcesses(SOAK_RUN_VARIABLE, id)

/** Waits up to `graceMs` for them to go, then SIGKILLs what is left; returns what was left. */
export const sweepLeftovers = (id: string, graceMs = 5_000): Promise<MarkedProcess[]> => sweepMarkedProcesses(SOAK_RUN_VARIABLE, id, graceMs)
