import { and, eq, inArray } from 'drizzle-orm'
import { join } from 'node:path'
import { privateKeyToAccount } from 'viem/accounts'
import { Agent } from '../agent/Agent.ts'
import { AgentClient } from '../agent/AgentClient.ts'
import { AgentStateFile } from '../agent/AgentStateFile.ts'
import { parseGpuSpec } from '../agent/parseGpuSpec.ts'
import { sleep } from '../agent/sleep.ts'
import { DEFAULT_LAUNCHER_TEMPLATE, WorkloadLauncher } from '../agent/WorkloadLauncher.ts'
import { devAccounts } from '../chain/devAccounts.ts'
import type { Db } from '../db/openDatabase.ts'
import { nodes, providers } from '../db/schema/market.ts'
import type { ProtocolParameters } from '../governance/ProtocolParameters.ts'
import { available, bond, system } from '../ledger/balanceKeys.ts'
import type { Ledger } from '../ledger/Ledger.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import type { Bonds } from '../market/Bonds.ts'
import type { NodeRegistry } from '../market/NodeRegistry.ts'
import { bondPerGpu } from '../market/ProviderListing.ts'
import type { Logger } from './logger.ts'

export interface DemoBondDeps {
  registry: NodeRegistry
  bonds: Bonds
  ledger: Ledger
  params: ProtocolParameters
  units: TokenUnits
}

/** The network a newcomer can try at once on the embedded dev chain: two
 *  simulated providers (dev accounts 8 and 9) whose "workload" is a harmless
 *  local HTTP server. Never started when RPC_URL is set. */
export const DEMO_PROVIDERS = [
  { account: 8, nodeKey: 'demo-eu-h100', gpus: 'H100-80GB:2', price: '2.5', region: 'eu-west', renewable: true },
  { account: 9, nodeKey: 'demo-us-4090', gpus: 'RTX4090-24GB:4', price: '0.6', region: 'us-east', renewable: false },
] as const

/** Gives each demo provider the bond its GPUs need, funded from the dev
 *  treasury through the ledger (once per wallet and amount), so the demo
 *  nodes are listed as soon as their compute challenge passes. */
export function bondDemoProviders({ registry, bonds, ledger, params, units }: DemoBondDeps, now: number): void {
  const keys = devAccounts(10)
  for (const demo of DEMO_PROVIDERS) {
    const address = privateKeyToAccount(keys[demo.account]!.privateKey).address
    const accountId = registry.ensureProviderAccount(address)
    const needed = bondPerGpu(params, units) * BigInt(parseGpuSpec(demo.gpus).length) // one entry per GPU
    const missing = needed - ledger.balance(bond(accountId))
    if (missing <= 0n) continue
    ledger.post({
      kind: 'demo.bond.fund',
      idempotencyKey: `demo.bond.fund:${address}:${needed}`,
      entries: [
        { key: system('treasury'), amount: -missing },
        { key: available(accountId), amount: missing },
      ],
      now,
    })
    const free = ledger.balance(available(accountId))
    if (free > 0n) bonds.bond({ accountId, amount: missing < free ? missing : free })
  }
}

/** True once every demo node is online and listed, i.e. shown by /gpus. */
export function demoProvidersListed(db: Db): boolean {
  const keys = devAccounts(10)
  const addresses = DEMO_PROVIDERS.map((demo) => privateKeyToAccount(keys[demo.account]!.privateKey).address)
  const listed = db
    .select({ id: nodes.id })
    .from(nodes)
    .innerJoin(providers, eq(providers.id, nodes.providerId))
    .where(and(inArray(providers.address, addresses), eq(nodes.listed, true), eq(nodes.online, true)))
    .all()
  return listed.length >= DEMO_PROVIDERS.length
}

/** Resolves true when the demo nodes are listed (registered, bonded, their
 *  challenge passed), false after `timeoutMs`: the console waits for it before
 *  reading its first line, so a piped `/gpus` shows them. */
export async function waitForDemoProviders(db: Db, { timeoutMs = 60_000, pollMs = 250 } = {}): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!demoProvidersListed(db)) {
    if (Date.now() > deadline) return false
    await sleep(pollMs)
  }
  return true
}

export function startDemoProviders({ coordinatorUrl, dataDir, logger, bonding }: { coordinatorUrl: string; dataDir: string; logger: Logger; bonding?: DemoBondDeps }): { stop(): Promise<void> } {
  const stop = new AbortController()
  const keys = devAccounts(10)
  try {
    if (bonding) bondDemoProviders(bonding, Date.now())
  } catch (error) {
    // The demo still starts; its nodes stay unlisted until bonded with /provider bond.
    logger.error({ err: error }, 'bonding the demo providers failed')
  }
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
