import type { Logger } from '../app/logger.ts'
import type { RegisterNodeBody } from '../protocol/agentProtocol.ts'
import type { AgentClient } from './AgentClient.ts'
import type { StateStore } from './AgentStateFile.ts'
import type { ChallengeRunner } from './challengeRunner.ts'
import type { GpuInventory } from './GpuInventory.ts'
import type { Sleep } from './sleep.ts'
import type { Launcher } from './WorkloadLauncher.ts'

/** What the agent is built from (main.ts wires the real ones) and how it is set up. */
export type AgentApi = Pick<AgentClient, 'address' | 'registerNode' | 'heartbeat' | 'claim' | 'running' | 'finished' | 'readyChallenge' | 'commitChallenge' | 'revealChallenge' | 'deregister'>

export interface AgentDeps {
  client: AgentApi
  launcher: Launcher
  inventory: GpuInventory
  state: StateStore
  clock: () => number
  sleep: Sleep
  logger: Logger
  /** Mints this machine's node key on its first start. */
  newNodeKey: () => string
  /** Computes compute challenges; default: the CPU runner for a declared inventory, none otherwise. */
  challengeRunner?: ChallengeRunner
  /** Free disk in MB, sent at registration and in each heartbeat (see freeDiskMb.ts); none when absent. */
  readFreeDiskMb?: () => number | undefined
}

export interface AgentSettings {
  /** --node-key; otherwise the state file's, otherwise a new one. */
  nodeKey?: string
  pricePerGpuHour: string
  region: string
  energy: RegisterNodeBody['energy']
  /** The host renters connect to; put into every rental's connection details. */
  publicHost: string
  /** Overrides the coordinator's interval (tests, --heartbeat-ms). */
  heartbeatIntervalMs?: number
  /** On shutdown, leave workloads running for the next agent run to adopt. */
  keepWorkloads?: boolean
  /** How long shutdown waits for the coordinator to take the final reports (default 15 s). */
  shutdownReportMs?: number
}

