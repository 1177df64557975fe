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
import { Rentals } from '../src/market/Rentals.ts'
import { AvailabilitySearch } from '../src/market/searchAvailability.ts'
import { measure, type BenchRow } from './measure.ts'
import { privateKeyToAccount } from 'viem/accounts'
import { createMetrics } from '../src/app/metrics.ts'
import { AgentSessions } from '../src/http/AgentSessions.ts'
import { agentRoutes } from '../src/http/agentRoutes.ts'
import { createHttpApp } from '../src/http/createHttpApp.ts'
import { AGENT_HEADERS, AGENT_ROUTES, sessionMac, signedPayload } from '../src/protocol/agentProtocol.ts'
import { RenewableAttestations } from '../src/rewards/RenewableAttestations.ts'

const MODELS = [
  { name: 'H100-80GB', memoryMb: 81920 },
  { name: 'A100-80GB', memoryMb: 81920 },
  { name: 'RTX4090-24GB', memoryMb: 24576 },
  { name: 'L40S-48GB', memoryMb: 49152 },
  { name: 'H200-141GB', memoryMb: 144384 },
]
const REGIONS = ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south', 'ap-east']

/** A network of 10,000 nodes / 50,000 GPUs: search, heartbeats and confirms. */
export default async function (): Promise<BenchRow[]> {
  const { db, sqlite } = openDatabase(':memory:')
  const units = new TokenUnits('GRID', 18)
  const ledger = new Ledger(db)
  const secrets = new SecretBox(randomBytes(32))
  let now = Date.now()
  const clock = () => now
  const registry = new NodeRegistry({ db, units, clock, heartbeatIntervalMs: 30_000, openSecret: (s) => secrets.open(s) })
  const rentals = new Rentals({ db, ledger, units, params: new ProtocolParameters(db), secrets, clock, logger: pino({ level: 'silent' }), claimTimeoutMs: 180_000 })
  const providers: { address: `0x${string}`; nodeId: string }[] = []
  sqlite.exec('begin')
  for (let i = 0; i < 10_000; i++) {
    const address = `0x${(i + 1).toString(16).padStart(40, '0')}` as const
    const model = MODELS[i % MODELS.length]!
    const { nodeId } = registry.register(address, {
      nodeKey: `n${i}`,
      gpus: [{ name: model.name, memoryMb: model.memoryMb, count: 5 }],
      pricePerGpuHour: (0.5 + (i % 40) / 10).toFixed(1),
      region: REGIONS[i % REGIONS.length]!,
    })
    providers.push({ address, nodeId })
  }
  sqlite.exec('commit')
  const availability = new AvailabilitySearch(sqlite)
  const queries = [{}, { model: 'H100-80GB' }, { model: 'RTX4090-24GB', count: 4, region: 'us-east' }, { minVramGb: 80, maxPricePerGpuHour: 2n * 10n ** 18n }, { minReliability: 0.9 }]
  const search = await measure('/gpus search over 10,000 nodes / 50,000 GPUs (cached until the market changes)', { total: 5_000, concurrency: 1 }, (i) => {
    // A rental or heartbeat changes the market about every 100 searches.
    if (i % 100 === 0) sqlite.exec('update market_version set version = version + 1')
    return availability.search(queries[i % queries.length]!)
  })
  const cold = await measure('/gpus search, cold (market changed before every search)', { total: 200, concurrency: 1 }, (i) => {
    sqlite.exec('update market_version set version = version + 1')
    return availability.search(queries[i % queries.length]!)
  })
  now += 1000
  const heartbeats = await measure('heartbeat ingestion (domain, no HTTP)', { total: 20_000, concurrency: 1 }, (i) => {
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
  const confirms = await measure('rental confirms (escrow + allocation)', { total: 5_000, concurrency: 1 }, (i) => {
    const accountId = renters[i % renters.length]!
    const quote = rentals.quote({ accountId, model: MODELS[i % MODELS.length]!.name, hours: 1, gpuCount: 1 })
    rentals.confirm({ accountId, quote: { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() } })
  })
  return [search, cold, heartbeats, { ...signedHeartbeats, note: 'includes signing each request in the same process' }, sessionHeartbeats, confirms]
}
