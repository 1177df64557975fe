import { join } from 'node:path'
import { privateKeyToAccount } from 'viem/accounts'
import { Agent } from '../agent/Agent.ts'
import { AgentClient } from '../agent/AgentClient.ts'
import { AgentStateFile } from '../agent/AgentStateFile.ts'
import { parseGpuSpec } from '../agent/parseGpuSpec.ts'
import { sleep } from '../agent/sleep.ts'
import { DEFAULT_LAUNCHER_TEMPLATE, WorkloadLauncher } from '../agent/WorkloadLauncher.ts'
import { devAccounts } from '../chain/devAccounts.ts'
import type { Logger } from './logger.ts'

/** The network a newcomer can try at once on the embedded dev chain: two
 *  simulated providers (dev accounts 8 and 9) whose "workload" is a harmless
 *  local HTTP server. Never started when RPC_URL is set. */
export const DEMO_PROVIDERS = [
  { account: 8, nodeKey: 'demo-eu-h100', gpus: 'H100-80GB:2', price: '2.5', region: 'eu-west', renewable: true },
  { account: 9, nodeKey: 'demo-us-4090', gpus: 'RTX4090-24GB:4', price: '0.6', region: 'us-east', renewable: false },
] as const

export function startDemoProviders({ coordinatorUrl, dataDir, logger }: { coordinatorUrl: string; dataDir: string; logger: Logger }): { stop(): Promise<void> } {
  const stop = new AbortController()
  const keys = devAccounts(10)
  const runs = DEMO_PROVIDERS.map((demo) => {
    const account = privateKeyToAccount(keys[demo.account]!.privateKey)
    const log = logger.child({ part: 'demo-provider', node: demo.nodeKey })
    const agent = new Agent(
      {
        client: new AgentClient({ coordinatorUrl, signer: account, clock: Date.now, sleep, random: Math.random, logger: log, sessions: true }),
        launcher: new WorkloadLauncher({ template: DEFAULT_LAUNCHER_TEMPLATE, logDir: join(dataDir, 'demo-agents', 'logs'), logger: log }),
        inventory: { gpus: parseGpuSpec(demo.gpus), simulated: true, readUtilization: async () => [] },
        state: new AgentStateFile(join(dataDir, 'demo-agents', `${demo.nodeKey}.json`)),
        clock: Date.now,
        sleep,
        logger: log,
        newNodeKey: () => demo.nodeKey,
      },
      {
        nodeKey: demo.nodeKey,
        pricePerGpuHour: demo.price,
        region: demo.region,
        energy: { renewable: demo.renewable },
        publicHost: '127.0.0.1',
        // Quick pick-up so a newcomer's first rental starts within seconds.
        heartbeatIntervalMs: 2000,
        shutdownReportMs: 3000,
      },
    )
    return agent.run(stop.signal).catch((error) => log.error({ err: error }, 'demo provider stopped'))
  })
  return {
    async stop() {
      stop.abort()
      await Promise.all(runs)
    },
  }
}
