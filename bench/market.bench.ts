import { randomBytes } from 'node:crypto'
import { pino } from 'pino'
import { SecretBox } from '../src/app/SecretBox.ts'
import { openDatabase } from '../src/db/openDatabase.ts'
import { ProtocolParameters } from '../src/governance/ProtocolParameters.ts'
import { ChatIdentities } from '../src/identity/ChatIdentities.ts'
import { available, system } from '../src/ledger/balanceKeys.ts'
import { Ledger } from '../src/ledger/Ledger.ts'
import { TokenUnits } from '../src/ledger/TokenUnits.ts'
import { NodeRegistry } from '../src/market/NodeRegistry.ts'
import { ProviderListing } from '../src/market/ProviderListing.ts'
import { Rentals } from '../src/market/Rentals.ts'
import { AvailabilitySearch } from '../src/market/searchAvailability.ts'
import { measure, type BenchRow, type BenchSize } from './measure.ts'
import { FIXTURE_MODELS, fixtureAddress, insertNetwork } from './networkFixture.ts'
import { privateKeyToAccount } from 'viem/accounts'
import { createMetrics } from '../src/app/metrics.ts'
import { AgentSessions } from '../src/http/AgentSessions.ts'
import { agentRoutes } from '../src/http/agentRoutes.ts'
import { createHttpApp } from '../src/http/createHttpApp.ts'
import { AGENT_HEADERS, AGENT_ROUTES, sessionMac, signedPayload } from '../src/protocol/agentProtocol.ts'
import { RenewableAttestations } from '../src/rewards/RenewableAttestations.ts'

/** A network of `nodes` listed nodes with 5 GPUs each (sized by --nodes):
 *  search, heartbeats and confirms. */
export const scalable = true

export default async function ({ nodes }: BenchSize): Promise<BenchRow[]> {
  const { db, sqlite } = openDatabase(':memory:')
  const units = new TokenUnits('GRID', 18)
  const ledger = new Ledger(db)
  const params = new ProtocolParameters(db)
  const secrets = new SecretBox(randomBytes(32))
  let now = Date.now()
  const clock = () => now
  const listing = new ProviderListing({ db, ledger, params, units, clock, simulatedAllowed: true })
  const registry = new NodeRegistry({ db, units, clock, heartbeatIntervalMs: 30_000, openSecret: (s) => secrets.open(s), listing })
  const rentals = new Rentals({ db, ledger, units, params, secrets, clock, logger: pino({ level: 'silent' }), claimTimeoutMs: 180_000 })
  // Listed (verified, bonded, online) nodes written directly: see networkFixture.ts.
  insertNetwork(sqlite, { nodes, now })
  const providers = Array.from({ length: nodes }, (_, i) => ({ address: fixtureAddress(i + 1) as `0x${string}`, nodeId: `n${i + 1}` }))
  const size = `${nodes.toLocaleString('en-US')} nodes / ${(nodes * 5).toLocaleString('en-US')} GPUs`
  const availability = new AvailabilitySearch(sqlite)
  const queries = [{}, { model: 'H100-80GB' }, { model: 'RTX4090-24GB', count: 4, region: 'us-east' }, { minVramGb: 80, maxPricePerGpuHour: 2n * 10n ** 18n }, { minReliability: 0.9 }]
  // A change to one node's capacity (an allocation flipping), as a rental or a heartbeat makes.
  const change = sqlite.prepare('update node_gpus set allocated = 1 - allocated where node_id = ?')
  const search = await measure(`/gpus search over ${size}, listed only (cached until the market changes)`, { total: 5_000, concurrency: 1 }, (i) => {
    // A rental or heartbeat changes the market about every 100 searches.
    if (i % 100 === 0) change.run(`n${1 + ((i * 7919) % nodes)}`)
    return availability.search(queries[i % queries.length]!)
  })
  const cold = await measure(`/gpus search over ${size}, cold (a node changed before every search)`, { total: 1_000, concurrency: 1 }, (i) => {
    change.run(`n${1 + ((i * 7919) % nodes)}`)
    return availability.search(queries[i % queries.length]!)
  })
  // The first search after a restart reads the whole listed capacity once.
  const t0 = performance.now()
  new AvailabilitySearch(sqlite).search({})
  const firstSearchMs = performance.now() - t0
  now += 1000
  const heartbeats = await measure(`heartbeat ingestion at ${size} (domain, no HTTP)`, { total: 20_000, concurrency: 1 }, (i) => {
    now += 1
    const p = providers[i % providers.length]!
    registry.heartbeat(p.address, p.nodeId, { utilization: [10, 20, 30, 40, 50] })
  })
  // The same heartbeats as agents send them: signed HTTP requests through the agent API.
  const app = createHttpApp({
    logger: pino({ level: 'silent' }),
    metrics: createMetrics({ defaults: false }),
    healthChecks: [],
    routes: [agentRoutes({ db, sessions: new AgentSessions({ db, secrets, clock }), registry, rentals, attestations: new RenewableAttestations({ db, params: new ProtocolParameters(db), clock }), clock })],
  })
  const agents = Array.from({ length: 20 }, (_, i) => privateKeyToAccount(`0x${(i + 1).toString(16).padStart(64, '0')}`))
  const agentNodes = agents.map((account, i) => registry.register(account.address, { nodeKey: `a${i}`, gpus: [{ name: 'H100-80GB', memoryMb: 81920, count: 2 }], pricePerGpuHour: '2', region: 'eu-west' }).nodeId)
  const signedHeartbeats = await measure('heartbeat over HTTP, signed (signature check included)', { total: 1_000, concurrency: 1 }, async (i) => {
    now += 1
    const account = agents[i % agents.length]!
    const path = AGENT_ROUTES.heartbeat(agentNodes[i % agents.length]!)
    const body = JSON.stringify({ utilization: [10, 20] })
    const timestamp = String(now)
    const signature = await account.signMessage({ message: signedPayload({ method: 'POST', path, timestamp, body }) })
    const response = await app.request(path, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', [AGENT_HEADERS.address]: account.address, [AGENT_HEADERS.timestamp]: timestamp, [AGENT_HEADERS.signature]: signature },
    })
    if (response.status !== 200) throw new Error(`heartbeat answered ${response.status}`)
  })
  const sessions = await Promise.all(
    agents.map(async (account) => {
      const timestamp = String(++now)
      const body = '{}'
      const signature = await account.signMessage({ message: signedPayload({ method: 'POST', path: AGENT_ROUTES.sessions, timestamp, body }) })
      const response = await app.request(AGENT_ROUTES.sessions, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', [AGENT_HEADERS.address]: account.address, [AGENT_HEADERS.timestamp]: timestamp, [AGENT_HEADERS.signature]: signature },
      })
      return (await response.json()) as { sessionId: string; secret: string }
    }),
  )
  // Requests are built (and their HMACs computed) before timing: the row is the coordinator's side alone.
  const prepared = Array.from({ length: 10_000 }, (_, i) => {
    const session = sessions[i % agents.length]!
    const path = AGENT_ROUTES.heartbeat(agentNodes[i % agents.length]!)
    const body = JSON.stringify({ utilization: [10, 20] })
    const timestamp = String(now + 1 + i)
    const headers = {
      'content-type': 'application/json',
      [AGENT_HEADERS.session]: session.sessionId,
      [AGENT_HEADERS.timestamp]: timestamp,
      [AGENT_HEADERS.mac]: sessionMac(session.secret, signedPayload({ method: 'POST', path, timestamp, body })),
    }
    return { path, body, headers }
  })
  now += 10_001
  const sessionHeartbeats = await measure('heartbeat over HTTP, session (HMAC) authenticated, coordinator side', { total: prepared.length, concurrency: 1 }, async (i) => {
    const request = prepared[i]!
    const response = await app.request(request.path, { method: 'POST', body: request.body, headers: request.headers })
    if (response.status !== 200) throw new Error(`heartbeat answered ${response.status}: ${await response.text()}`)
  })
  const identities = new ChatIdentities(db)
  const renters = Array.from({ length: 200 }, (_, i) => identities.ensure({ platform: 'telegram', id: `r${i}`, name: `r${i}` }, now).accountId)
  renters.forEach((accountId, i) => ledger.post({ kind: 'fund', idempotencyKey: `f${i}`, entries: [{ key: system('treasury'), amount: -(10n ** 24n) }, { key: available(accountId), amount: 10n ** 24n }], now }))
  const confirms = await measure(`rental quote + confirm at ${size} (escrow + allocation)`, { total: 5_000, concurrency: 1 }, (i) => {
    const accountId = renters[i % renters.length]!
    const quote = rentals.quote({ accountId, model: FIXTURE_MODELS[i % FIXTURE_MODELS.length]!.model, hours: 1, gpuCount: 1 })
    rentals.confirm({ accountId, quote: { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() } })
  })
  return [search, cold, { name: `/gpus first search after start at ${size} (loads the listed capacity)`, opsPerSecond: 0, note: `${firstSearchMs.toFixed(0)} ms once` }, heartbeats, { ...signedHeartbeats, note: 'includes signing each request in the same process' }, sessionHeartbeats, confirms]
}
