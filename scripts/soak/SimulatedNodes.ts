import { setMaxListeners } from 'node:events'
import { pino } from 'pino'
import type { PrivateKeyAccount } from 'viem/accounts'
import { AgentClient } from '../../src/agent/AgentClient.ts'
import { AgentRequestError } from '../../src/agent/AgentErrors.ts'
import { sleep } from '../../src/agent/sleep.ts'
import type { Prng } from './prng.ts'
import type { SoakStats } from './SoakStats.ts'

/** The coordinator lets a wallet have this many nodes waiting for verification. */
export const NODES_PER_SIMULATED_WALLET = 5

const MODELS = [
  { name: 'NVIDIA H100 80GB HBM3', memoryMb: 81_559 },
  { name: 'NVIDIA A100-SXM4-80GB', memoryMb: 81_920 },
  { name: 'NVIDIA GeForce RTX 4090', memoryMb: 24_564 },
  { name: 'NVIDIA L40S', memoryMb: 46_068 },
]

/** The bulk of the "500 nodes": machines that register and heartbeat through
 *  the real AgentClient (signed sessions, retries) in this process, on the
 *  same coordinator. They never answer compute challenges, so they stay
 *  unverified and unlisted: load on the agent API, not capacity. */
export class SimulatedNodes {
  private readonly stop = new AbortController()
  private loops: Promise<void>[] = []

  constructor(
    private readonly deps: { coordinatorUrl: string; wallets: PrivateKeyAccount[]; nodeCount: number; prng: Prng; stats: SoakStats },
  ) {}

  start(): void {
    // Every node's loop waits on the one stop signal.
    setMaxListeners(0, this.stop.signal)
    const logger = pino({ level: 'silent' })
    const clients = this.deps.wallets.map(
      (signer) =>
        new AgentClient({ coordinatorUrl: this.deps.coordinatorUrl, signer, clock: Date.now, sleep, random: () => this.deps.prng.next(), logger, sessions: true, maxDelayMs: 3_000, attemptTimeoutMs: 10_000 }),
    )
    for (let i = 0; i < this.deps.nodeCount; i++) {
      const client = clients[Math.floor(i / NODES_PER_SIMULATED_WALLET)]!
      const model = MODELS[i % MODELS.length]!
      const count = 1 + (i % 4)
      // Spread the first registrations over 20 s so the coordinator is not hit by all at once.
      this.loops.push(this.run(client, `soak-sim-${i}`, { ...model, count }, (i * 20_000) / this.deps.nodeCount))
    }
  }

  async stopAll(): Promise<void> {
    this.stop.abort()
    await Promise.all(this.loops)
  }

  private async run(client: AgentClient, nodeKey: string, gpu: { name: string; memoryMb: number; count: number }, delayMs: number): Promise<void> {
    const signal = this.stop.signal
    const { stats } = this.deps
    await sleep(delayMs, signal)
    let nodeId: string | undefined
    let intervalMs = 15_000
    while (!signal.aborted) {
      try {
        if (!nodeId) {
          const registered = await client.registerNode({ nodeKey, gpus: [gpu], pricePerGpuHour: '1.5', region: 'eu-central', simulated: true }, signal)
          nodeId = registered.nodeId
          intervalMs = registered.heartbeatIntervalMs
          stats.count('agent API: register (simulated node)', 'ok')
        } else {
          const answer = await client.heartbeat(nodeId, { utilization: Array.from({ length: gpu.count }, () => 0), running: [] }, signal)
          intervalMs = answer.heartbeatIntervalMs
          stats.count('agent API: heartbeat (simulated node)', 'ok')
        }
      } catch (error) {
        if (signal.aborted) break
        const kind = nodeId ? 'agent API: heartbeat (simulated node)' : 'agent API: register (simulated node)'
        if (error instanceof AgentRequestError && error.status < 500) {
          stats.count(kind, 'refused')
          // An unknown node (e.g. removed meanwhile) registers again.
          if (error.status === 404) nodeId = undefined
        } else {
          stats.count(kind, 'internalError')
          stats.note(`${kind}: ${error instanceof Error ? error.message : String(error)}`)
        }
      }
      await sleep(intervalMs, signal)
    }
  }
}
