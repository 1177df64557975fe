import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { privateKeyToAccount } from 'viem/accounts'
import { afterEach, expect, test } from 'vitest'
import { Agent } from '../../src/agent/Agent.ts'
import { AgentClient } from '../../src/agent/AgentClient.ts'
import { AgentStateFile } from '../../src/agent/AgentStateFile.ts'
import { parseGpuSpec } from '../../src/agent/parseGpuSpec.ts'
import { processGroupAlive } from '../../src/process/processIdentity.ts'
import { sleep } from '../../src/agent/sleep.ts'
import { DEFAULT_LAUNCHER_TEMPLATE, WorkloadLauncher } from '../../src/agent/WorkloadLauncher.ts'
import { createMetrics } from '../../src/app/metrics.ts'
import { AgentSessions } from '../../src/http/AgentSessions.ts'
import { agentRoutes } from '../../src/http/agentRoutes.ts'
import { createHttpApp } from '../../src/http/createHttpApp.ts'
import { RenewableAttestations } from '../../src/rewards/RenewableAttestations.ts'
import { randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { nodes } from '../../src/db/schema/market.ts'
import { bondPerGpu } from '../../src/market/ProviderListing.ts'
import { ComputeChallenges } from '../../src/market/verification/ComputeChallenges.ts'
import { createMarketHarness } from '../support/marketHarness.ts'
import { serveHttp } from '../support/serveHttp.ts'

// The contract test: the real agent against the real agent API and marketplace.
const logger = pino({ level: 'silent' })
const provider = privateKeyToAccount('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6')
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setUp() {
  const h = createMarketHarness()
  // The coordinator checks signature timestamps against its clock, so it runs on real time here.
  Object.defineProperty(h.clock, 'now', { get: Date.now, set: () => {} })
  const challenges = new ComputeChallenges({ db: h.db, params: h.params, listing: h.listing, clock: Date.now, randomBytes, simulatedAllowed: true })
  const attestations = new RenewableAttestations({ db: h.db, params: h.params, clock: () => h.clock.now })
  const sessions = new AgentSessions({ db: h.db, secrets: h.secrets, clock: () => h.clock.now })
  const http = createHttpApp({ logger, metrics: createMetrics({ defaults: false }), healthChecks: [], routes: [agentRoutes({ db: h.db, sessions, registry: h.registry, rentals: h.rentals, attestations, challenges, clock: Date.now })] })
  const server = await serveHttp(http)
  cleanups.push(() => server.close(), () => h.close())
  const dir = mkdtempSync(join(tmpdir(), 'gs-agent-coord-'))
  const agent = new Agent(
    {
      client: new AgentClient({ coordinatorUrl: server.url, signer: provider, clock: Date.now, sleep, random: Math.random, logger, baseDelayMs: 20, maxDelayMs: 100 }),
      launcher: new WorkloadLauncher({ template: DEFAULT_LAUNCHER_TEMPLATE, logDir: join(dir, 'logs'), logger, stopGraceMs: 2_000 }),
      inventory: { gpus: parseGpuSpec('H100-80GB:2'), simulated: true, readUtilization: async () => [] },
      state: new AgentStateFile(join(dir, 'state.json')),
      clock: Date.now,
      sleep,
      logger,
      newNodeKey: () => 'box-1',
    },
    { pricePerGpuHour: '2', region: 'eu-west', energy: { renewable: true }, publicHost: '127.0.0.1', heartbeatIntervalMs: 100 },
  )
  const stop = new AbortController()
  const run = agent.run(stop.signal)
  cleanups.push(() => (stop.abort(), run))
  return { h, dir, stop: () => (stop.abort(), run) }
}

/** What an honest provider does: /provider bond for its two GPUs. */
function bond(h: ReturnType<typeof createMarketHarness>) {
  const accountId = h.registry.providerAccount(provider.address)
  const amount = bondPerGpu(h.params, h.units) * 2n
  h.fund(accountId, amount)
  h.bonds.bond({ accountId, amount })
}

async function until<T>(probe: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await sleep(25)
  }
}

test('the node is listed, a rental runs on it with working connection details, and a renter stop ends the workload', async () => {
  const { h, dir } = await setUp()
  // Registered, the node waits for bond and verification before it is listed.
  const nodeId = await until(() => (h.sqlite.prepare('select id from nodes').get() as { id: string } | undefined)?.id)
  expect(h.market.search({})).toEqual([])
  bond(h)
  // The agent runs the challenge it got with its registration (CPU runner, declared GPUs).
  const offer = await until(() => h.market.search({})[0])
  expect(offer).toMatchObject({ model: 'H100-80GB', freeGpus: 2 })
  expect(h.db.select().from(nodes).where(eq(nodes.id, nodeId)).get()).toMatchObject({ simulated: true, verification: 'verified', verifiedGpus: 2, listed: true })

  const renter = h.renter('alice', 100)
  const quote = h.rentals.quote({ accountId: renter, model: 'H100-80GB', hours: 1, gpuCount: 1 })
  const { id } = h.rentals.confirm({ accountId: renter, quote: { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() } })
  const running = await until(() => (h.rentals.get(renter, id).status === 'running' ? h.rentals.get(renter, id) : undefined))
  const connection = h.rentals.connectionDetails(running)!
  expect(connection).toMatchObject({ host: '127.0.0.1', user: 'gridshare' })
  expect(await (await fetch(`http://127.0.0.1:${connection.port}/`)).text()).toBe(`gridshare rental ${id}\n`)
  const pid = new AgentStateFile(join(dir, 'state.json')).load()!.rentals[0].workload.pid

  h.rentals.stop({ accountId: renter, id })
  await until(() => !processGroupAlive(pid))
  await expect(fetch(`http://127.0.0.1:${connection.port}/`)).rejects.toThrow()
  await until(() => new AgentStateFile(join(dir, 'state.json')).load()!.rentals.length === 0)
  expect(h.rentals.get(renter, id).status).not.toBe('running')
  expect(h.invariants()).toEqual([])
})

test('an agent that stops deregisters its node: /gpus no longer lists it at once', async () => {
  const { h, stop } = await setUp()
  await until(() => h.sqlite.prepare('select id from nodes').get())
  bond(h)
  await until(() => h.market.search({})[0])
  await stop()
  expect(h.market.search({})).toEqual([])
  expect(h.db.select().from(nodes).get()).toMatchObject({ online: false, listed: false, verification: 'verified' })
})
