import { createHash, randomBytes } from 'node:crypto'
import { afterEach, describe, expect, test } from 'vitest'
import { pino } from 'pino'
import { privateKeyToAccount } from 'viem/accounts'
import { createMetrics } from '../../src/app/metrics.ts'
import { agentRequestSignatures } from '../../src/db/schema/market.ts'
import { AgentSessions } from '../../src/http/AgentSessions.ts'
import { agentRoutes, pruneAgentSignatures } from '../../src/http/agentRoutes.ts'
import { createHttpApp } from '../../src/http/createHttpApp.ts'
import { ComputeChallenges } from '../../src/market/verification/ComputeChallenges.ts'
import { AGENT_CLOCK_SKEW_MS, AGENT_HEADERS, AGENT_ROUTES, sessionMac, signedPayload } from '../../src/protocol/agentProtocol.ts'
import { RenewableAttestations } from '../../src/rewards/RenewableAttestations.ts'
import { createMarketHarness } from '../support/marketHarness.ts'

// The agent routes' branches one by one: malformed headers and bodies, the
// clock-skew boundary, the replay key, a coordinator without challenges, the
// rental reports over HTTP, and the pruning of old replay keys.
const provider = privateKeyToAccount(`0x${'a1'.repeat(32)}`)
const mallory = privateKeyToAccount(`0x${'b2'.repeat(32)}`)
const node = { nodeKey: 'box-1', gpus: [{ name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559 }], pricePerGpuHour: '2', region: 'eu-west' }

const harnesses: ReturnType<typeof createMarketHarness>[] = []
afterEach(() => {
  for (const h of harnesses.splice(0)) h.close()
})

function setUp({ withChallenges = false, afterChange }: { withChallenges?: boolean; afterChange?: () => void } = {}) {
  const h = createMarketHarness({ start: Date.now() })
  harnesses.push(h)
  const clock = () => h.clock.now
  const challenges = withChallenges ? new ComputeChallenges({ db: h.db, params: h.params, listing: h.listing, clock, randomBytes, simulatedAllowed: true }) : undefined
  const sessions = new AgentSessions({ db: h.db, secrets: h.secrets, clock })
  const app = createHttpApp({
    logger: pino({ level: 'silent' }),
    metrics: createMetrics({ defaults: false }),
    healthChecks: [],
    routes: [agentRoutes({ db: h.db, sessions, registry: h.registry, rentals: h.rentals, attestations: new RenewableAttestations({ db: h.db, params: h.params, clock }), challenges, clock, afterChange })],
  })
  /** A wallet-signed POST; `text` is the raw body, `headers` replace or (as undefined) drop the signed ones. */
  async function walletSigned(path: string, text: string, { account = provider, timestamp = String(h.clock.now), headers = {} as Record<string, string | undefined> } = {}) {
    const signature = await account.signMessage({ message: signedPayload({ method: 'POST', path, timestamp, body: text }) })
    const all: Record<string, string | undefined> = { 'content-type': 'application/json', [AGENT_HEADERS.address]: account.address, [AGENT_HEADERS.timestamp]: timestamp, [AGENT_HEADERS.signature]: signature, ...headers }
    return send(path, text, all)
  }
  async function send(path: string, text: string, headers: Record<string, string | undefined>) {
    const present = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string>
    const response = await app.request(path, { method: 'POST', body: text, headers: present })
    return { status: response.status, body: await response.json() }
  }
  const nodeCount = () => h.sqlite.prepare('select count(*) as n from nodes').get()
  return { h, sessions, walletSigned, send, nodeCount }
}

const malformedTimestamp = { status: 401, body: { error: 'Missing or malformed x-gridshare-timestamp; expected Unix milliseconds.', code: 'UNAUTHENTICATED' } }
const stale = { status: 401, body: { error: 'The request timestamp is more than 60 s from the coordinator clock; check the agent machine time.', code: 'STALE' } }
const malformedWallet = { status: 401, body: { error: 'Missing or malformed signature headers; expected x-gridshare-address, -timestamp and -signature.', code: 'UNAUTHENTICATED' } }

describe('the timestamp header', () => {
  test('error: missing, or with anything before or after its 10-16 digits, is refused as malformed even when signed', async () => {
    const { h, walletSigned, nodeCount } = setUp()
    const body = JSON.stringify(node)
    const now = String(h.clock.now)
    expect(await walletSigned(AGENT_ROUTES.registerNode, body, { headers: { [AGENT_HEADERS.timestamp]: undefined } })).toEqual(malformedTimestamp)
    // Signed over exactly these timestamps: a parser that ignored the junk would accept them (Number() is NaN, never "stale").
    expect(await walletSigned(AGENT_ROUTES.registerNode, body, { timestamp: `x${now}` })).toEqual(malformedTimestamp)
    expect(await walletSigned(AGENT_ROUTES.registerNode, body, { timestamp: `${now}x` })).toEqual(malformedTimestamp)
    expect(await walletSigned(AGENT_ROUTES.registerNode, body, { timestamp: '1'.repeat(9) })).toEqual(malformedTimestamp)
    expect(await walletSigned(AGENT_ROUTES.registerNode, body, { timestamp: '1'.repeat(17) })).toEqual(malformedTimestamp)
    expect(nodeCount()).toEqual({ n: 0 })
  })

  test('10 and 16 digits are the well-formed bounds (here far from now, so stale)', async () => {
    const { walletSigned } = setUp()
    expect(await walletSigned(AGENT_ROUTES.registerNode, JSON.stringify(node), { timestamp: '1'.repeat(10) })).toEqual(stale)
    expect(await walletSigned(AGENT_ROUTES.registerNode, JSON.stringify(node), { timestamp: '1'.repeat(16) })).toEqual(stale)
  })

  test('exactly 60 s off either way is accepted; 60 s and 1 ms is stale', async () => {
    const { h, walletSigned, nodeCount } = setUp()
    expect(AGENT_CLOCK_SKEW_MS).toBe(60_000)
    const at = (offset: number, nodeKey: string) => walletSigned(AGENT_ROUTES.registerNode, JSON.stringify({ ...node, nodeKey }), { timestamp: String(h.clock.now + offset) })
    expect(await at(-60_001, 'early')).toEqual(stale)
    expect(await at(60_001, 'late')).toEqual(stale)
    expect(nodeCount()).toEqual({ n: 0 })
    expect((await at(-60_000, 'a')).status).toBe(200)
    expect((await at(60_000, 'b')).status).toBe(200)
    expect(h.sqlite.prepare('select node_key as nodeKey from nodes order by node_key').all()).toEqual([{ nodeKey: 'a' }, { nodeKey: 'b' }])
  })
})

describe('the wallet headers', () => {
  test('error: an address that is not one, a signature that is not hex, or either missing, is refused before the signature is checked', async () => {
    const { walletSigned, nodeCount } = setUp()
    const body = JSON.stringify(node)
    expect(await walletSigned(AGENT_ROUTES.registerNode, body, { headers: { [AGENT_HEADERS.address]: 'not-an-address' } })).toEqual(malformedWallet)
    expect(await walletSigned(AGENT_ROUTES.registerNode, body, { headers: { [AGENT_HEADERS.address]: provider.address.slice(0, -1) } })).toEqual(malformedWallet)
    expect(await walletSigned(AGENT_ROUTES.registerNode, body, { headers: { [AGENT_HEADERS.address]: undefined } })).toEqual(malformedWallet)
    expect(await walletSigned(AGENT_ROUTES.registerNode, body, { headers: { [AGENT_HEADERS.signature]: 'not-hex' } })).toEqual(malformedWallet)
    expect(await walletSigned(AGENT_ROUTES.registerNode, body, { headers: { [AGENT_HEADERS.signature]: undefined } })).toEqual(malformedWallet)
    expect(nodeCount()).toEqual({ n: 0 })
  })

  test('an address in lower case, or upper case (no valid checksum), is accepted and means the checksummed wallet', async () => {
    const { h, walletSigned } = setUp()
    const upper = `0x${provider.address.slice(2).toUpperCase()}`
    expect(upper).not.toBe(provider.address)
    const lower = await walletSigned(AGENT_ROUTES.registerNode, JSON.stringify({ ...node, nodeKey: 'lower' }), { headers: { [AGENT_HEADERS.address]: provider.address.toLowerCase() } })
    const upperCase = await walletSigned(AGENT_ROUTES.registerNode, JSON.stringify({ ...node, nodeKey: 'upper' }), { headers: { [AGENT_HEADERS.address]: upper } })
    expect([lower.status, upperCase.status]).toEqual([200, 200])
    expect(h.sqlite.prepare('select n.node_key as nodeKey, p.address from nodes n join providers p on p.id = n.provider_id order by n.node_key').all()).toEqual([
      { nodeKey: 'lower', address: provider.address },
      { nodeKey: 'upper', address: provider.address },
    ])
  })
})

describe('the replay key', () => {
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

  test('is the hex SHA-256 of signer and signed payload, stored with the coordinator time', async () => {
    const { h, walletSigned } = setUp()
    const timestamp = String(h.clock.now - 5_000)
    expect((await walletSigned(AGENT_ROUTES.sessions, '{}', { timestamp })).status).toBe(200)
    const payload = signedPayload({ method: 'POST', path: AGENT_ROUTES.sessions, timestamp, body: '{}' })
    expect(h.sqlite.prepare('select signature, seen_at as seenAt from agent_request_signatures').all()).toEqual([{ signature: sha256(`${provider.address}\n${payload}`), seenAt: h.clock.now }])
  })

  test('the same signed request twice is a replay; another body, or another signer of the same payload, is not', async () => {
    const { h, walletSigned, send } = setUp()
    const path = AGENT_ROUTES.registerNode
    const timestamp = String(h.clock.now)
    const first = JSON.stringify({ ...node, nodeKey: 'one' })
    const signature = await provider.signMessage({ message: signedPayload({ method: 'POST', path, timestamp, body: first }) })
    const headers = { 'content-type': 'application/json', [AGENT_HEADERS.address]: provider.address, [AGENT_HEADERS.timestamp]: timestamp, [AGENT_HEADERS.signature]: signature }
    expect((await send(path, first, headers)).status).toBe(200)
    expect(await send(path, first, headers)).toEqual({ status: 401, body: { error: 'This request was already received (replay).', code: 'REPLAY' } })
    expect((await walletSigned(path, JSON.stringify({ ...node, nodeKey: 'two' }), { timestamp })).status).toBe(200)
    expect((await walletSigned(path, first, { account: mallory, timestamp })).status).toBe(200)
    expect(h.sqlite.prepare('select n.node_key as nodeKey, p.address from nodes n join providers p on p.id = n.provider_id order by n.node_key, p.address').all()).toEqual([
      { nodeKey: 'one', address: provider.address },
      { nodeKey: 'one', address: mallory.address },
      { nodeKey: 'two', address: provider.address },
    ])
    expect(h.sqlite.prepare('select count(*) as n from agent_request_signatures').get()).toEqual({ n: 3 })
  })
})

describe('bodies and sessions', () => {
  test('error: a signed body that is not JSON is a 400 with one sentence, and registers nothing', async () => {
    const { walletSigned, nodeCount } = setUp()
    expect(await walletSigned(AGENT_ROUTES.registerNode, '{"nodeKey": "box-1",')).toEqual({ status: 400, body: { error: 'The body is not JSON.', code: 'BAD_REQUEST' } })
    expect(nodeCount()).toEqual({ n: 0 })
  })

  test('an empty signed body counts as {} (a heartbeat with nothing to report)', async () => {
    const { h, walletSigned } = setUp()
    const { body } = await walletSigned(AGENT_ROUTES.registerNode, JSON.stringify(node))
    h.clock.now += 1
    expect(await walletSigned(AGENT_ROUTES.heartbeat(body.nodeId), '')).toMatchObject({ status: 200, body: { nodeId: body.nodeId, start: [], stop: [] } })
  })

  test('error: a session cannot open another session; the live one stays the only one', async () => {
    const { h, walletSigned, send } = setUp()
    const opened = await walletSigned(AGENT_ROUTES.sessions, '{}')
    expect(opened.status).toBe(200)
    const timestamp = String(++h.clock.now)
    const mac = sessionMac(opened.body.secret, signedPayload({ method: 'POST', path: AGENT_ROUTES.sessions, timestamp, body: '{}' }))
    const headers = { 'content-type': 'application/json', [AGENT_HEADERS.session]: opened.body.sessionId, [AGENT_HEADERS.timestamp]: timestamp, [AGENT_HEADERS.mac]: mac }
    expect(await send(AGENT_ROUTES.sessions, '{}', headers)).toEqual({
      status: 401,
      body: { error: 'A session is opened with a wallet signature, not with another session.', code: 'UNAUTHENTICATED' },
    })
    expect(h.sqlite.prepare('select count(*) as n from agent_sessions').get()).toEqual({ n: 1 })
  })
})

describe('a coordinator without compute challenges', () => {
  test('error: ready, commit and reveal are each a 404 with one sentence', async () => {
    const { walletSigned } = setUp()
    const { body } = await walletSigned(AGENT_ROUTES.registerNode, JSON.stringify(node))
    expect(body.challenge).toBeUndefined()
    const none = { status: 404, body: { error: 'This coordinator issues no challenges.', code: 'BAD_REQUEST' } }
    expect(await walletSigned(AGENT_ROUTES.readyChallenge(body.nodeId, 'c1'), '{}')).toEqual(none)
    expect(await walletSigned(AGENT_ROUTES.commitChallenge(body.nodeId, 'c1'), JSON.stringify({ roots: [`0x${'00'.repeat(32)}`] }))).toEqual(none)
    expect(await walletSigned(AGENT_ROUTES.revealChallenge(body.nodeId, 'c1'), JSON.stringify({ gpu: 0, rows: [] }))).toEqual(none)
  })

  test('deregistering still takes the node offline', async () => {
    const { h, walletSigned } = setUp()
    const { body } = await walletSigned(AGENT_ROUTES.registerNode, JSON.stringify(node))
    expect(await walletSigned(AGENT_ROUTES.deregister(body.nodeId), '{}')).toEqual({ status: 200, body: { nodeId: body.nodeId, online: false } })
    expect(h.sqlite.prepare('select online from nodes').all()).toEqual([{ online: 0 }])
  })
})

describe('rental reports over HTTP', () => {
  /** A bonded, verified node of `provider` with one pending 2-hour rental on it. */
  async function rentalOnNode(setup: ReturnType<typeof setUp>) {
    const { h, walletSigned } = setup
    const { body } = await walletSigned(AGENT_ROUTES.registerNode, JSON.stringify(node))
    h.bondAndVerify(h.registry.providerAccount(provider.address), body.nodeId)
    const accountId = h.renter('alice')
    const quote = h.rentals.quote({ accountId, model: 'H100-80GB', hours: 2, gpuCount: 1 })
    const rental = h.rentals.confirm({ accountId, quote: { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() } })
    return { accountId, rentalId: rental.id }
  }

  test('claim, running and finished answer exactly { id, status, endsAt } and move the rental', async () => {
    const setup = setUp()
    const { h, walletSigned } = setup
    const { accountId, rentalId } = await rentalOnNode(setup)
    h.clock.now += 1
    expect(await walletSigned(AGENT_ROUTES.claim(rentalId), '{}')).toEqual({ status: 200, body: { id: rentalId, status: 'provisioning', endsAt: null } })
    h.clock.now += 1
    const startedAt = h.clock.now
    const connection = { host: '203.0.113.7', port: '2222', user: 'renter' }
    expect(await walletSigned(AGENT_ROUTES.running(rentalId), JSON.stringify({ connection }))).toEqual({
      status: 200,
      body: { id: rentalId, status: 'running', endsAt: startedAt + 2 * 3600_000 },
    })
    h.clock.now += 3600_000
    expect(await walletSigned(AGENT_ROUTES.finished(rentalId), JSON.stringify({ outcome: 'failed', reason: 'disk full' }))).toEqual({
      status: 200,
      body: { id: rentalId, status: 'failed', endsAt: startedAt + 2 * 3600_000 },
    })
    expect(h.rentals.get(accountId, rentalId).status).toBe('failed')
  })

  test('error: a running report without connection details is a 422 naming the field, and changes nothing', async () => {
    const setup = setUp()
    const { h, walletSigned } = setup
    const { accountId, rentalId } = await rentalOnNode(setup)
    expect((await walletSigned(AGENT_ROUTES.running(rentalId), '{}')).status).toBe(422)
    expect(await walletSigned(AGENT_ROUTES.finished(rentalId), JSON.stringify({ outcome: 'done' }))).toMatchObject({ status: 422, body: { code: 'INVALID_BODY' } })
    expect(h.rentals.get(accountId, rentalId).status).toBe('pending')
  })

  test('afterChange runs once a rental finishes, not on claim or running', async () => {
    const calls: string[] = []
    const setup = setUp({ afterChange: () => calls.push('afterChange') })
    const { h, walletSigned } = setup
    const { rentalId } = await rentalOnNode(setup)
    expect((await walletSigned(AGENT_ROUTES.claim(rentalId), '{}')).status).toBe(200)
    h.clock.now += 1
    expect((await walletSigned(AGENT_ROUTES.running(rentalId), JSON.stringify({ connection: { host: 'h' } }))).status).toBe(200)
    expect(calls).toEqual([])
    h.clock.now += 1
    expect((await walletSigned(AGENT_ROUTES.finished(rentalId), JSON.stringify({ outcome: 'completed' }))).body.status).toBe('completed')
    expect(calls).toEqual(['afterChange'])
  })
})

describe('pruning replay keys', () => {
  test('deletes keys seen more than twice the clock skew ago and keeps the rest, to the millisecond', () => {
    const h = createMarketHarness({ start: Date.now() })
    harnesses.push(h)
    const now = h.clock.now
    const seen = { older: now - 2 * AGENT_CLOCK_SKEW_MS - 1, boundary: now - 2 * AGENT_CLOCK_SKEW_MS, recent: now - 1, current: now }
    h.db.insert(agentRequestSignatures).values(Object.entries(seen).map(([signature, seenAt]) => ({ signature, seenAt }))).run()
    expect(pruneAgentSignatures(h.db, now)).toBe(1)
    expect(h.sqlite.prepare('select signature from agent_request_signatures order by seen_at').all()).toEqual([{ signature: 'boundary' }, { signature: 'recent' }, { signature: 'current' }])
    expect(pruneAgentSignatures(h.db, now)).toBe(0)
  })
})
