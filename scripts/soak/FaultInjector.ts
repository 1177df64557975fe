import type { AgentProcesses } from './AgentProcesses.ts'
import type { Prng } from './prng.ts'
import type { ProductProcess } from './ProductProcess.ts'
import type { SoakStats } from './SoakStats.ts'

export interface FaultInjectorDeps {
  product: ProductProcess
  agents: AgentProcesses
  prng: Prng
  stats: SoakStats
  say: (text: string) => void
  /** One product SIGKILL at a random point in each window this long. */
  killEveryMs: number
  /** No kills after this time (ms), so the end sees a product that has run a while. */
  quietAfter: number
}

const AGENT_KILL_GAP_MS = [20_000, 50_000] as const

/** SIGKILLs the product and random agents at seeded random times and starts
 *  them again on the same data: the crash a power cut or an OOM kill makes. */
export class FaultInjector {
  private stopped = false

  constructor(private readonly deps: FaultInjectorDeps) {}

  stop(): void {
    this.stopped = true
  }

  async run(): Promise<void> {
    const { prng, killEveryMs } = this.deps
    let windowStart = Date.now()
    let nextProductKill = windowStart + killEveryMs * (0.3 + 0.7 * prng.next())
    let nextAgentKill = Date.now() + prng.int(...AGENT_KILL_GAP_MS)
    while (!this.stopped && Date.now() < this.deps.quietAfter) {
      if (Date.now() >= nextProductKill) {
        await this.crashProduct()
        windowStart += killEveryMs
        nextProductKill = Math.max(Date.now() + 20_000, windowStart + killEveryMs * (0.3 + 0.7 * prng.next()))
      } else if (Date.now() >= nextAgentKill && this.deps.agents.names.length) {
        await this.crashAgent()
        nextAgentKill = Date.now() + prng.int(...AGENT_KILL_GAP_MS)
      }
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }

  private async crashProduct(): Promise<void> {
    const { product, stats, prng, say } = this.deps
    await product.kill()
    stats.faults.productKills++
    say(`SIGKILL product (#${stats.faults.productKills})`)
    await new Promise((resolve) => setTimeout(resolve, prng.int(500, 3_000)))
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const started = await product.start()
        stats.faults.productRestarts++
        say(`product restarted (chain ${started.rpcUrl})`)
        return
      } catch (error) {
        stats.violation(`the product did not restart after a SIGKILL (attempt ${attempt}): ${error instanceof Error ? error.message.slice(0, 400) : String(error)}`)
        await product.kill()
      }
    }
    throw new Error('the product could not be restarted three times in a row')
  }

  private async crashAgent(): Promise<void> {
    const { agents, stats, prng, say } = this.deps
    const name = prng.pick(agents.names)
    await agents.kill(name)
    stats.faults.agentKills++
    say(`SIGKILL ${name}`)
    await new Promise((resolve) => setTimeout(resolve, prng.int(2_000, 6_000)))
    agents.start(name)
    stats.faults.agentRestarts++
  }
}
