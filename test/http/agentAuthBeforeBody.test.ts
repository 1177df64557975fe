import { randomBytes } from 'node:crypto'
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http'
import type { ServerType } from '@hono/node-server'
import { pino } from 'pino'
import { privateKeyToAccount } from 'viem/accounts'
import { afterEach, describe, expect, test } from 'vitest'
import { createMetrics } from '../../src/app/metrics.ts'
import { AgentSessions } from '../../src/http/AgentSessions.ts'
import { agentRoutes } from '../../src/http/agentRoutes.ts'
import { createHttpApp } from '../../src/http/createHttpApp.ts'
import { listenHttp } from '../../src/http/listenHttp.ts'
import { ComputeChallenges } from '../../src/market/verification/ComputeChallenges.ts'
import { AGENT_HEADERS, AGENT_ROUTES, sessionMac, signedPayload } from '../../src/protocol/agentProtocol.ts'
import { RenewableAttestations } from '../../src/rewards/RenewableAttestations.ts'
import { createMarketHarness } from '../support/marketHarness.ts'

// Attacks on the agent API by someone holding no key: the coordinator must
// answer from the headers alone, never waiting for (or buffering) the body.
const provider = privateKeyToAccount(`0x${'a1'.repeat(32)}`)
const FOUR_MIB = 4 * 1024 * 1024
const WITHHELD = 'no answer while the body was withheld'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setUp() {
  const h = createMarketHarness({ start: Date.now() })
  const clock = () => h.clock.now
  const sessions = new AgentSessions({ db: h.db, secrets: h.secrets, clock })
  const challenges = new ComputeChallenges({ db: h.db, params: h.params, listing: h.listing, clock, randomBytes, simulatedAllowed: true })
  const app = createHttpApp({
    logger: pino({ level: 'silent' }),
    metrics: createMetrics({ defaults: false }),
    healthChecks: [],
    routes: [agentRoutes({ db: h.db, sessions, registry: h.registry, rentals: h.rentals, attestations: new RenewableAttestations({ db: h.db, params: h.params, clock }), challenges, clock })],
  })
  let port = 0
  // The production server and its production limits (a 20 s request timeout).
  const server: ServerType = await listenHttp({ fetch: app.fetch, port: 0, host: '127.0.0.1', onPort: (p) => (port = p) })
  cleanups.push(() => new Promise((resolve) => server.close(resolve)), () => h.close())

  /** A wallet-signed request as the agent sends it; a new timestamp each time so none is a replay. */
  async function walletSigned(path: string, body: string) {
    const timestamp = String(++h.clock.now)
    const signature = await provider.signMessage({ message: signedPayload({ method: 'POST', path, timestamp, body }) })
    return post(port, path, { [AGENT_HEADERS.address]: provider.address, [AGENT_HEADERS.timestamp]: timestamp, [AGENT_HEADERS.signature]: signature }, body)
  }
  async function sessionSigned(session: { sessionId: string; secret: string }, path: string, body: string, { upperCase = false } = {}) {
    const timestamp = String(++h.clock.now)
    const lowerMac = sessionMac(session.secret, signedPayload({ method: 'POST', path, timestamp, body }))
    const mac = upperCase ? lowerMac.toUpperCase() : lowerMac
    return post(port, path, { [AGENT_HEADERS.session]: session.sessionId, [AGENT_HEADERS.timestamp]: timestamp, [AGENT_HEADERS.mac]: mac }, body)
  }
  /** A registered node with its challenge issued (not committed), and its reveal path. */
  async function nodeWithChallenge() {
    const simulated = { nodeKey: 'sim-1', gpus: [{ name: 'H100-80GB', memoryMb: 81920, count: 2 }], pricePerGpuHour: '2', region: 'eu-west', simulated: true }
    const { body } = await walletSigned(AGENT_ROUTES.registerNode, JSON.stringify(simulated))
    return { nodeId: body.nodeId as string, challengeId: body.challenge.id as string, revealPath: AGENT_ROUTES.revealChallenge(body.nodeId, body.challenge.id) }
  }
  return { h, port, sessions, walletSigned, sessionSigned, nodeWithChallenge }
}

function readJson(response: IncomingMessage): Promise<{ status: number; body: any }> {
  return new Promise((resolve) => {
    let text = ''
    response.setEncoding('utf8')
    response.on('data', (chunk: string) => (text += chunk))
    response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) }))
  })
}

/** A whole request over node:http. */
function post(port: number, path: string, headers: Record<string, string>, body: string) {
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } })
    request.on('error', reject)
    request.on('response', (response) => resolve(readJson(response)))
    request.end(body)
  })
}

/** Sends the request line and headers, then waits for an answer while never
 *  sending the body: an answer that comes was decided from the headers alone.
 *  `firstChunk` starts a chunked body (no length) and withholds the rest. */
async function headersOnly(port: number, path: string, headers: Record<string, string>, { length = FOUR_MIB, firstChunk }: { length?: number; firstChunk?: string } = {}) {
  const request: ClientRequest = httpRequest({
    host: '127.0.0.1',
    port,
    path,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(firstChunk === undefined ? { 'content-length': String(length) } : { 'transfer-encoding': 'chunked' }), ...headers },
  })
  request.on('error', () => {}) // the server may close the socket after answering: the body never came
  const answered = new Promise<{ status: number; body: unknown }>((resolve) => request.on('response', (response) => resolve(readJson(response))))
  if (firstChunk === undefined) request.flushHeaders()
  else request.write(firstChunk)
  // Half the server's 20 s request timeout: a server waiting for the body answers nothing in this time.
  let timer: NodeJS.Timeout | undefined
  const withheld = new Promise<typeof WITHHELD>((resolve) => (timer = setTimeout(() => resolve(WITHHELD), 10_000)))
  try {
    return await Promise.race([answered, withheld])
  } finally {
    clearTimeout(timer)
    request.destroy()
  }
}

const wellFormedSignature = `0x${'11'.repeat(65)}`
const wellFormedMac = 'ab'.repeat(32)

describe('the agent API answers from the headers before it reads a body', () => {
  test('attack: a 4 MiB reveal with no auth headers, its body never sent, is refused at once with 401', async () => {
    const { port, nodeWithChallenge } = await setUp()
    const { revealPath } = await nodeWithChallenge()
    expect(await headersOnly(port, revealPath, {})).toEqual({
      status: 401,
      body: { error: 'Missing or malformed x-gridshare-timestamp; expected Unix milliseconds.', code: 'UNAUTHENTICATED' },
    })
  })

  test('attack: a bogus session id is refused before the body', async () => {
    const { h, port, nodeWithChallenge } = await setUp()
    const { revealPath } = await nodeWithChallenge()
    const headers = { [AGENT_HEADERS.session]: 'bogus-session-id', [AGENT_HEADERS.timestamp]: String(h.clock.now), [AGENT_HEADERS.mac]: wellFormedMac }
    expect(await headersOnly(port, revealPath, headers)).toEqual({ status: 401, body: { error: 'Unknown agent session; open a new one.', code: 'UNKNOWN_SESSION' } })
  })

  test('attack: a stale timestamp is refused before the body, with a wallet signature or a session', async () => {
    const { h, port, sessions, nodeWithChallenge } = await setUp()
    const { revealPath } = await nodeWithChallenge()
    const stale = { status: 401, body: { error: 'The request timestamp is more than 60 s from the coordinator clock; check the agent machine time.', code: 'STALE' } }
    const staleTimestamp = String(h.clock.now - 61_000)
    const wallet = { [AGENT_HEADERS.address]: provider.address, [AGENT_HEADERS.timestamp]: staleTimestamp, [AGENT_HEADERS.signature]: wellFormedSignature }
    expect(await headersOnly(port, revealPath, wallet)).toEqual(stale)
    const { sessionId } = sessions.issue(provider.address)
    expect(await headersOnly(port, revealPath, { [AGENT_HEADERS.session]: sessionId, [AGENT_HEADERS.timestamp]: staleTimestamp, [AGENT_HEADERS.mac]: wellFormedMac })).toEqual(stale)
  })

  test('attack: an expired session is refused before the body', async () => {
    const { h, port, sessions, nodeWithChallenge } = await setUp()
    const { revealPath } = await nodeWithChallenge()
    const { sessionId, expiresAt } = sessions.issue(provider.address)
    h.clock.now = expiresAt
    const headers = { [AGENT_HEADERS.session]: sessionId, [AGENT_HEADERS.timestamp]: String(h.clock.now), [AGENT_HEADERS.mac]: wellFormedMac }
    expect(await headersOnly(port, revealPath, headers)).toEqual({ status: 401, body: { error: 'The agent session expired; open a new one.', code: 'SESSION_EXPIRED' } })
  })

  test('attack: malformed wallet or session credentials are refused before the body', async () => {
    const { h, port, sessions, nodeWithChallenge } = await setUp()
    const { revealPath } = await nodeWithChallenge()
    const timestamp = String(h.clock.now)
    const badWallet = { status: 401, body: { error: 'Missing or malformed signature headers; expected x-gridshare-address, -timestamp and -signature.', code: 'UNAUTHENTICATED' } }
    expect(await headersOnly(port, revealPath, { [AGENT_HEADERS.timestamp]: timestamp, [AGENT_HEADERS.signature]: wellFormedSignature })).toEqual(badWallet)
    expect(await headersOnly(port, revealPath, { [AGENT_HEADERS.timestamp]: timestamp, [AGENT_HEADERS.address]: provider.address, [AGENT_HEADERS.signature]: 'not-hex' })).toEqual(badWallet)
    const { sessionId } = sessions.issue(provider.address)
    const badMac = { status: 401, body: { error: 'Missing or malformed x-gridshare-mac; expected 64 hex digits.', code: 'UNAUTHENTICATED' } }
    expect(await headersOnly(port, revealPath, { [AGENT_HEADERS.session]: sessionId, [AGENT_HEADERS.timestamp]: timestamp })).toEqual(badMac)
    expect(await headersOnly(port, revealPath, { [AGENT_HEADERS.session]: sessionId, [AGENT_HEADERS.timestamp]: timestamp, [AGENT_HEADERS.mac]: `${wellFormedMac}00` })).toEqual(badMac)
    expect(await headersOnly(port, revealPath, { [AGENT_HEADERS.session]: sessionId, [AGENT_HEADERS.timestamp]: timestamp, [AGENT_HEADERS.mac]: `zz${wellFormedMac}` })).toEqual(badMac)
  })

  test('attack: a chunked body (no length) with no auth headers is refused after its first chunk, the rest withheld', async () => {
    const { port, nodeWithChallenge } = await setUp()
    const { revealPath } = await nodeWithChallenge()
    expect(await headersOnly(port, revealPath, {}, { firstChunk: '{"gpu":0,"rows":[' })).toEqual({
      status: 401,
      body: { error: 'Missing or malformed x-gridshare-timestamp; expected Unix milliseconds.', code: 'UNAUTHENTICATED' },
    })
  })

  test('other paths keep their 256 KiB limit, answered from the length header', async () => {
    const { port } = await setUp()
    expect(await headersOnly(port, '/api/v1/link/x', {})).toEqual({ status: 413, body: { error: 'Request body too large; at most 256 KiB.', code: 'TOO_LARGE' } })
  })
})

describe('signed requests still carry large bodies', () => {
  // Three rows of 32 rounds of 40,000 base64 characters: about 3.8 MiB, under the reveal's 4 MiB.
  const chunk = 'A'.repeat(40_000)
  const largeReveal = JSON.stringify({ gpu: 0, rows: [0, 1, 2].map((row) => ({ row, values: chunk, proof: [], chain: Array(31).fill(chunk) })) })

  test('a wallet-signed or session reveal of 3.8 MiB reaches the challenge (here: not yet committed, 409)', async () => {
    const { walletSigned, sessionSigned, nodeWithChallenge } = await setUp()
    const { challengeId, revealPath } = await nodeWithChallenge()
    expect(largeReveal.length).toBeGreaterThan(3.5 * 1024 * 1024)
    expect(largeReveal.length).toBeLessThan(FOUR_MIB)
    const notCommitted = { status: 409, body: { error: `Challenge ${challengeId} is issued; this step needs it committed.`, code: 'CONFLICT' } }
    expect(await walletSigned(revealPath, largeReveal)).toEqual(notCommitted)
    const opened = await walletSigned(AGENT_ROUTES.sessions, '{}')
    expect(opened.status).toBe(200)
    expect(await sessionSigned(opened.body, revealPath, largeReveal)).toEqual(notCommitted)
    expect(await sessionSigned(opened.body, revealPath, largeReveal, { upperCase: true })).toEqual(notCommitted) // hex in either case, as before
  })

  test('error: well-formed headers with a signature that does not verify are refused once the body is in', async () => {
    const { h, port, nodeWithChallenge } = await setUp()
    const { revealPath } = await nodeWithChallenge()
    const headers = { [AGENT_HEADERS.address]: provider.address, [AGENT_HEADERS.timestamp]: String(h.clock.now), [AGENT_HEADERS.signature]: wellFormedSignature }
    expect(await post(port, revealPath, headers, largeReveal)).toEqual({ status: 401, body: { error: 'The request signature is not valid.', code: 'BAD_SIGNATURE' } })
  })

  test('error: a body over the limit is still refused with 413 once the headers pass (4 MiB on a reveal, 256 KiB elsewhere)', async () => {
    const { h, port, nodeWithChallenge } = await setUp()
    const { nodeId, challengeId, revealPath } = await nodeWithChallenge()
    const headers = { [AGENT_HEADERS.address]: provider.address, [AGENT_HEADERS.timestamp]: String(h.clock.now), [AGENT_HEADERS.signature]: wellFormedSignature }
    expect(await headersOnly(port, revealPath, headers, { length: FOUR_MIB + 1 })).toEqual({ status: 413, body: { error: 'Request body too large; at most 4096 KiB.', code: 'TOO_LARGE' } })
    const commit = AGENT_ROUTES.commitChallenge(nodeId, challengeId)
    const smallLimit = { status: 413, body: { error: 'Request body too large; at most 256 KiB.', code: 'TOO_LARGE' } }
    expect(await headersOnly(port, commit, headers, { length: 256 * 1024 + 1 })).toEqual(smallLimit)
    // Sent chunked, without a length: counted as it streams.
    expect(await headersOnly(port, commit, headers, { firstChunk: 'x'.repeat(256 * 1024 + 1) })).toEqual(smallLimit)
  })
})
