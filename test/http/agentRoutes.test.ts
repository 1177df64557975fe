import { describe, expect, test } from 'vitest'
import { pino } from 'pino'
import { privateKeyToAccount } from 'viem/accounts'
import { createMetrics } from '../../src/app/metrics.ts'
import { AgentSessions } from '../../src/http/AgentSessions.ts'
import { agentRoutes } from '../../src/http/agentRoutes.ts'
import { createHttpApp } from '../../src/http/createHttpApp.ts'
import { AGENT_HEADERS, AGENT_ROUTES, sessionMac, signedPayload } from '../../src/protocol/agentProtocol.ts'
import { createMarketHarness } from '../support/marketHarness.ts'
import { RenewableAttestations } from '../../src/rewards/RenewableAttestations.ts'
import { attestationMessage } from '../../src/protocol/agentProtocol.ts'
import { randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { nodes } from '../../src/db/schema/market.ts'
import { ComputeChallenges } from '../../src/market/verification/ComputeChallenges.ts'
import { prover } from '../market/verification/challengeProver.ts'

const provider = privateKeyToAccount(`0x${'a1'.repeat(32)}`)
const mallory = privateKeyToAccount(`0x${'b2'.repeat(32)}`)

function setup({ withChallenges = false } = {}) {
  const h = createMarketHarness({ start: Date.now() })
  const challenges = withChallenges ? new ComputeChallenges({ db: h.db, params: h.params, listing: h.listing, clock: () => h.clock.now, randomBytes, simulatedAllowed: true }) : undefined
  const app = createHttpApp({
    logger: pino({ level: 'silent' }),
    metrics: createMetrics({ defaults: false }),
    healthChecks: [],
    routes: [agentRoutes({ db: h.db, sessions: new AgentSessions({ db: h.db, secrets: h.secrets, clock: () => h.clock.now }), registry: h.registry, rentals: h.rentals, attestations: new RenewableAttestations({ db: h.db, params: h.params, clock: () => h.clock.now }), challenges, clock: () => h.clock.now })],
  })
  async function signed(account: typeof provider, path: string, body: unknown, { timestamp = String(h.clock.now), as = account.address } = {}) {
    const text = JSON.stringify(body)
    const signature = await account.signMessage({ message: signedPayload({ method: 'POST', path, timestamp, body: text }) })
    return { path, init: { method: 'POST', body: text, headers: { 'content-type': 'application/json', [AGENT_HEADERS.address]: as, [AGENT_HEADERS.timestamp]: timestamp, [AGENT_HEADERS.signature]: signature } } }
  }
  const send = async (request: { path: string; init: RequestInit }) => {
    const response = await app.request(request.path, request.init)
    return { status: response.status, body: await response.json() }
  }
  const node = { nodeKey: 'box-1', gpus: [{ name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559 }], pricePerGpuHour: '2', region: 'eu-west' }
  return { h, signed, send, node }
}

describe('agent API authentication', () => {
  test('a signed registration records the node, listed once bonded and verified', async () => {
    const { h, signed, send, node } = setup()
    const { status, body } = await send(await signed(provider, AGENT_ROUTES.registerNode, node))
    expect(status).toBe(200)
    expect(body).toEqual({ nodeId: expect.stringMatching(/^n[a-z2-9]{5}$/), heartbeatIntervalMs: 30_000 })
    expect(h.market.search({})).toEqual([])
    h.bondAndVerify(h.registry.providerAccount(provider.address), body.nodeId)
    expect(h.market.search({})[0]).toMatchObject({ model: 'H100-80GB', freeGpus: 1 })
  })

  test('error: a sixth pending node is refused with 422 and one sentence', async () => {
    const { h, signed, send, node } = setup()
    for (let i = 0; i < 5; i++) expect((await send(await signed(provider, AGENT_ROUTES.registerNode, { ...node, nodeKey: `box-${i}` }))).status).toBe(200)
    expect(await send(await signed(provider, AGENT_ROUTES.registerNode, { ...node, nodeKey: 'box-5' }))).toEqual({
      status: 422,
      body: { error: 'This wallet already has 5 nodes waiting for verification; at most 5 may wait at once, so let them pass their challenge first.', code: 'TOO_MANY_PENDING' },
    })
    expect(h.sqlite.prepare('select count(*) as n from nodes').get()).toEqual({ n: 5 })
  })

  test('error: an eleventh new node within the hour is refused with 429', async () => {
    const { h, signed, send, node } = setup()
    for (let i = 0; i < 10; i++) {
      const { status, body } = await send(await signed(provider, AGENT_ROUTES.registerNode, { ...node, nodeKey: `box-${i}` }))
      expect(status).toBe(200)
      h.verify(body.nodeId) // verified nodes leave the pending cap: only the rate is left
      h.clock.now += 1000
    }
    expect(await send(await signed(provider, AGENT_ROUTES.registerNode, { ...node, nodeKey: 'box-10' }))).toEqual({
      status: 429,
      body: { error: 'This wallet registered 10 new nodes in the last hour, the most allowed; try again later.', code: 'RATE_LIMITED' },
    })
  })

  test('error: a forged signature is refused and changes nothing', async () => {
    const { h, signed, send, node } = setup()
    const forged = await signed(mallory, AGENT_ROUTES.registerNode, node, { as: provider.address })
    expect(await send(forged)).toEqual({ status: 401, body: { error: 'The request signature is not from the stated address.', code: 'BAD_SIGNATURE' } })
    expect(h.market.search({})).toEqual([])
  })

  test('error: a replayed request is refused', async () => {
    const { signed, send, node } = setup()
    const request = await signed(provider, AGENT_ROUTES.registerNode, node)
    expect((await send(request)).status).toBe(200)
    expect(await send(request)).toEqual({ status: 401, body: { error: 'This request was already received (replay).', code: 'REPLAY' } })
  })

  test('error: a replay with the signature re-encoded (v as 0/1) is still a replay', async () => {
    const { signed, send, node } = setup()
    const request = await signed(provider, AGENT_ROUTES.registerNode, node)
    expect((await send(request)).status).toBe(200)
    const headers = request.init.headers as Record<string, string>
    const signature = headers[AGENT_HEADERS.signature]!
    const v = parseInt(signature.slice(-2), 16)
    headers[AGENT_HEADERS.signature] = signature.slice(0, -2) + (v - 27).toString(16).padStart(2, '0')
    expect((await send(request)).body.code).toBe('REPLAY')
  })

  test('error: a stale timestamp is refused', async () => {
    const { h, signed, send, node } = setup()
    const stale = await signed(provider, AGENT_ROUTES.registerNode, node, { timestamp: String(h.clock.now - 61_000) })
    expect((await send(stale)).body.code).toBe('STALE')
  })

  test('error: a body changed after signing is refused', async () => {
    const { signed, send, node } = setup()
    const request = await signed(provider, AGENT_ROUTES.registerNode, node)
    request.init.body = JSON.stringify({ ...node, pricePerGpuHour: '0.01' })
    expect((await send(request)).status).toBe(401)
  })

  test('error: a provider cannot heartbeat or claim on another provider\'s node', async () => {
    const { h, signed, send, node } = setup()
    const { body } = await send(await signed(provider, AGENT_ROUTES.registerNode, node))
    expect(await send(await signed(mallory, AGENT_ROUTES.heartbeat(body.nodeId), {}))).toEqual({
      status: 403,
      body: { error: `Node ${body.nodeId} does not belong to this provider.`, code: 'FORBIDDEN' },
    })
    h.bondAndVerify(h.registry.providerAccount(provider.address), body.nodeId)
    const accountId = h.renter('alice')
    const quote = h.rentals.quote({ accountId, model: 'H100-80GB', hours: 1, gpuCount: 1 })
    const rental = h.rentals.confirm({ accountId, quote: { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() } })
    expect((await send(await signed(mallory, AGENT_ROUTES.claim(rental.id), {}))).status).toBe(403)
    expect(h.rentals.get(accountId, rental.id).status).toBe('pending')
  })

  test('error: invalid, out-of-range and oversize bodies are 422 naming the field', async () => {
    const { signed, send, node } = setup()
    expect(await send(await signed(provider, AGENT_ROUTES.registerNode, { ...node, region: 'EU West!' }))).toEqual({
      status: 422,
      body: { error: 'Invalid region: expected a region such as eu-west.', code: 'INVALID_BODY' },
    })
    const invalid = async (fields: Record<string, unknown>) => (await send(await signed(provider, AGENT_ROUTES.registerNode, { ...node, ...fields }))).body.error
    expect(await invalid({ pricePerGpuHour: '0' })).toBe('Invalid pricePerGpuHour: expected a price above 0.')
    expect(await invalid({ pricePerGpuHour: '0.000000' })).toBe('Invalid pricePerGpuHour: expected a price above 0.')
    expect(await invalid({ pricePerGpuHour: `1.${'1'.repeat(30)}` })).toBe('Invalid pricePerGpuHour: expected a price in tokens such as 2.5, with at most 6 decimals.')
    expect(await invalid({ pricePerGpuHour: '1' + '0'.repeat(50) })).toBe('Invalid pricePerGpuHour: expected a price in tokens such as 2.5, with at most 6 decimals.')
    expect(await invalid({ pricePerGpuHour: '1000000.000001' })).toBe('Invalid pricePerGpuHour: expected at most 1000000 per GPU-hour.')
    expect(await invalid({ gpus: [{ name: 'NVIDIA H200', memoryMb: 143771, count: 64 }] })).toBe('Invalid gpus.0.count: expected at most 16 GPUs on one node.')
    expect(await invalid({ gpus: Array.from({ length: 4 }, () => ({ name: 'NVIDIA H200', memoryMb: 143771, count: 5 })) })).toBe('Invalid gpus: expected at most 16 GPUs on one node.')
    expect((await send(await signed(provider, AGENT_ROUTES.registerNode, { ...node, pricePerGpuHour: '1000000' }))).status).toBe(200)
    const huge = await signed(provider, AGENT_ROUTES.registerNode, { ...node, padding: 'x'.repeat(300_000) })
    expect((await send(huge)).status).toBe(413)
  })

  test('error: no signature headers', async () => {
    const { send } = setup()
    expect((await send({ path: AGENT_ROUTES.registerNode, init: { method: 'POST', body: '{}' } })).body.code).toBe('UNAUTHENTICATED')
  })

  test('a renewable attestation signed by the provider is recorded; a forged one is refused; the provider may revoke it', async () => {
    const { h, signed, send, node } = setup()
    await send(await signed(provider, AGENT_ROUTES.registerNode, node))
    const claim = { source: 'solar', reference: 'GO-2026-0042', evidenceHash: `0x${'ab'.repeat(32)}`, validUntil: new Date(h.clock.now + 86_400_000 * 365).toISOString() }
    const signature = await provider.signMessage({ message: attestationMessage({ provider: provider.address, ...claim }) })
    const recorded = await send(await signed(provider, AGENT_ROUTES.attestations, { ...claim, signature }))
    expect(recorded).toEqual({ status: 200, body: { id: 1, validUntil: claim.validUntil } })
    const forged = await mallory.signMessage({ message: attestationMessage({ provider: provider.address, ...claim }) })
    expect((await send(await signed(provider, AGENT_ROUTES.attestations, { ...claim, signature: forged }))).body.error).toBe(
      "The attestation signature is not the provider wallet's signature of the attestation text.",
    )
    h.params.set('renewable_attester', mallory.address, { setByProposal: 'p1', now: h.clock.now })
    h.clock.now += 1 // a new timestamp, or the same signed request would be a replay
    expect((await send(await signed(provider, AGENT_ROUTES.attestations, { ...claim, signature }))).body.error).toBe(
      `The attestation needs a counter-signature by the DAO's attester ${mallory.address}.`,
    )
    await send(await signed(mallory, AGENT_ROUTES.registerNode, { ...node, nodeKey: 'm' }))
    expect((await send(await signed(mallory, AGENT_ROUTES.revokeAttestation(1), {}))).status).toBe(403)
    expect(await send(await signed(provider, AGENT_ROUTES.revokeAttestation(1), {}))).toEqual({ status: 200, body: { revoked: 1 } })
  })
})

describe('agent sessions', () => {
  test('one wallet signature opens a session; later requests carry an HMAC; a wrong MAC, an unknown or expired session is refused', async () => {
    const { h, signed, send, node } = setup()
    const opened = await send(await signed(provider, AGENT_ROUTES.sessions, {}))
    expect(opened.status).toBe(200)
    const session = opened.body as { sessionId: string; secret: string; expiresAt: number }
    expect(session.expiresAt).toBe(h.clock.now + 24 * 3600_000)
    const viaSession = (body: unknown, { mac, id = session.sessionId }: { mac?: string; id?: string } = {}) => {
      const text = JSON.stringify(body)
      const timestamp = String(++h.clock.now)
      const payload = signedPayload({ method: 'POST', path: AGENT_ROUTES.registerNode, timestamp, body: text })
      return {
        path: AGENT_ROUTES.registerNode,
        init: {
          method: 'POST',
          body: text,
          headers: { 'content-type': 'application/json', [AGENT_HEADERS.session]: id, [AGENT_HEADERS.timestamp]: timestamp, [AGENT_HEADERS.mac]: mac ?? sessionMac(session.secret, payload) },
        },
      }
    }
    const registered = await send(viaSession(node))
    expect(registered.status).toBe(200)
    expect(h.sqlite.prepare('select id from nodes').all()).toEqual([{ id: registered.body.nodeId }])
    expect((await send(viaSession(node, { mac: 'ab'.repeat(32) }))).body).toEqual({ error: 'The request MAC does not match the session.', code: 'BAD_SIGNATURE' })
    expect((await send(viaSession(node, { id: 'nope-nope-nope' }))).body.code).toBe('UNKNOWN_SESSION')
    h.clock.now += 24 * 3600_000
    expect((await send(viaSession(node))).body.code).toBe('SESSION_EXPIRED')
  })
})

describe('compute challenge and deregistration routes', () => {
  const simulated = { nodeKey: 'sim-1', gpus: [{ name: 'H100-80GB', memoryMb: 81920, count: 2 }], pricePerGpuHour: '2', region: 'eu-west', simulated: true }

  test('the registration hands out the challenge; commit and reveal over HTTP verify the node', async () => {
    const { h, signed, send } = setup({ withChallenges: true })
    const registered = await send(await signed(provider, AGENT_ROUTES.registerNode, simulated))
    const order = registered.body.challenge
    expect(order).toMatchObject({ size: 64, rounds: 2, gpus: 2 })
    expect(order.seed).toBeUndefined()
    // Not answered yet: the heartbeat hands out the same challenge again.
    const beat = await send(await signed(provider, AGENT_ROUTES.heartbeat(registered.body.nodeId), {}))
    expect(beat.body.challenge).toEqual(order)
    const ready = await send(await signed(provider, AGENT_ROUTES.readyChallenge(registered.body.nodeId, order.id), {}))
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready', seed: expect.stringMatching(/^[0-9a-f]{64}$/), commitBy: expect.any(Number) } })
    const p = prover(order, ready.body)
    const committed = await send(await signed(provider, AGENT_ROUTES.commitChallenge(registered.body.nodeId, order.id), { roots: p.roots }))
    expect(committed).toMatchObject({ status: 200, body: { status: 'committed' } })
    const answers = []
    for (const { gpu, rows } of committed.body.open) {
      h.clock.now += 1
      answers.push(await send(await signed(provider, AGENT_ROUTES.revealChallenge(registered.body.nodeId, order.id), p.reveal(gpu, rows))))
    }
    expect(answers.map((a) => a.body)).toEqual([{ status: 'committed' }, { status: 'passed' }])
    expect(h.db.select().from(nodes).where(eq(nodes.id, registered.body.nodeId)).get()).toMatchObject({ simulated: true, verification: 'verified', verifiedGpus: 2 })
  })

  test("error: another provider cannot commit, reveal or deregister a node's challenge", async () => {
    const { h, signed, send } = setup({ withChallenges: true })
    const registered = await send(await signed(provider, AGENT_ROUTES.registerNode, simulated))
    const { nodeId, challenge } = registered.body
    const forbidden = { status: 403, body: { error: `Node ${nodeId} does not belong to this provider.`, code: 'FORBIDDEN' } }
    expect(await send(await signed(mallory, AGENT_ROUTES.readyChallenge(nodeId, challenge.id), {}))).toEqual(forbidden)
    const p = prover(challenge, { status: 'ready', seed: '00'.repeat(32) })
    expect(await send(await signed(mallory, AGENT_ROUTES.commitChallenge(nodeId, challenge.id), { roots: p.roots }))).toEqual(forbidden)
    expect(await send(await signed(mallory, AGENT_ROUTES.revealChallenge(nodeId, challenge.id), p.reveal(0, [0])))).toEqual(forbidden)
    expect(await send(await signed(mallory, AGENT_ROUTES.deregister(nodeId), {}))).toEqual(forbidden)
    expect(h.db.select().from(nodes).where(eq(nodes.id, nodeId)).get()).toMatchObject({ online: true, verification: 'pending' })
  })

  test('error: malformed roots are a 422 that changes nothing', async () => {
    const { signed, send } = setup({ withChallenges: true })
    const { body } = await send(await signed(provider, AGENT_ROUTES.registerNode, simulated))
    expect(await send(await signed(provider, AGENT_ROUTES.commitChallenge(body.nodeId, body.challenge.id), { roots: ['0x12'] }))).toEqual({
      status: 422,
      body: { error: 'Invalid roots.0: expected 0x followed by 64 hex digits.', code: 'INVALID_BODY' },
    })
    const beat = await send(await signed(provider, AGENT_ROUTES.heartbeat(body.nodeId), {}))
    expect(beat.body.challenge.id).toBe(body.challenge.id)
  })

  test('only a reveal may be larger than 256 KiB (its rows carry their chains)', async () => {
    const { signed, send } = setup({ withChallenges: true })
    const { body } = await send(await signed(provider, AGENT_ROUTES.registerNode, simulated))
    const chunk = 'A'.repeat(40_000)
    const big = { gpu: 0, rows: [{ row: 0, values: chunk, proof: [], chain: Array(9).fill(chunk) }] }
    expect(JSON.stringify(big).length).toBeGreaterThan(256 * 1024)
    expect(await send(await signed(provider, AGENT_ROUTES.commitChallenge(body.nodeId, body.challenge.id), big))).toEqual({
      status: 413,
      body: { error: 'Request body too large; at most 256 KiB.', code: 'TOO_LARGE' },
    })
    // Through the limit to the challenge, which is not yet committed.
    expect(await send(await signed(provider, AGENT_ROUTES.revealChallenge(body.nodeId, body.challenge.id), big))).toEqual({
      status: 409,
      body: { error: `Challenge ${body.challenge.id} is issued; this step needs it committed.`, code: 'CONFLICT' },
    })
  })

  test('deregistering takes the node offline at once; its next heartbeat brings it back', async () => {
    const { h, signed, send } = setup({ withChallenges: true })
    const { body } = await send(await signed(provider, AGENT_ROUTES.registerNode, simulated))
    expect(await send(await signed(provider, AGENT_ROUTES.deregister(body.nodeId), {}))).toEqual({ status: 200, body: { nodeId: body.nodeId, online: false } })
    expect(h.db.select().from(nodes).where(eq(nodes.id, body.nodeId)).get()).toMatchObject({ online: false })
    h.clock.now += 1
    const beat = await send(await signed(provider, AGENT_ROUTES.heartbeat(body.nodeId), {}))
    expect(h.db.select().from(nodes).where(eq(nodes.id, body.nodeId)).get()).toMatchObject({ online: true, verification: 'pending' })
    // The challenge it walked away from is void; it gets a fresh one.
    expect(beat.body.challenge.id).not.toBe(body.challenge.id)
  })
})
