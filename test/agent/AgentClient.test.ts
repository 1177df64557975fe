import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { recoverMessageAddress, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterEach, expect, test } from 'vitest'
import { AgentClient } from '../../src/agent/AgentClient.ts'
import { AgentAbortedError, AgentRequestError, CoordinatorUnreachableError } from '../../src/agent/AgentErrors.ts'
import { backoffDelay } from '../../src/agent/backoffDelay.ts'
import { signedPayload } from '../../src/protocol/agentProtocol.ts'

const account = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')
const logger = pino({ level: 'silent' })

interface Recorded {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  body: string
}

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
  server = undefined
})

/** Answers each request with the next scripted reply (the last one repeats) and records it raw. */
async function recordingServer(replies: { status: number; body: unknown }[], port = 0) {
  const requests: Recorded[] = []
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body })
      const reply = replies[Math.min(requests.length - 1, replies.length - 1)]
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body))
    })
  })
  await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve))
  return { requests, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

function client(coordinatorUrl: string, overrides: { clock?: () => number } = {}) {
  const delays: number[] = []
  const agentClient = new AgentClient({
    coordinatorUrl,
    signer: account,
    clock: overrides.clock ?? (() => 1_750_000_000_000),
    sleep: async (ms) => void delays.push(ms),
    random: () => 0.5,
    logger,
  })
  return { agentClient, delays }
}

const heartbeatAnswer = { nodeId: 'n1', start: [], active: [], stop: [], heartbeatIntervalMs: 30_000 }

test('signs method, path, timestamp and body hash with the provider key, per signedPayload', async () => {
  const { requests, url } = await recordingServer([{ status: 200, body: heartbeatAnswer }])
  const { agentClient } = client(url)
  const answer = await agentClient.heartbeat('n1', { utilization: [12.5], running: ['r7k3p'] })
  expect(answer).toEqual(heartbeatAnswer)

  const [request] = requests
  expect(request.method).toBe('POST')
  expect(request.url).toBe('/api/v1/agent/nodes/n1/heartbeat')
  expect(request.body).toBe('{"utilization":[12.5],"running":["r7k3p"]}')
  expect(request.headers['content-type']).toBe('application/json')
  expect(request.headers['x-gridshare-address']).toBe(account.address)
  expect(request.headers['x-gridshare-timestamp']).toBe('1750000000000')
  const message = signedPayload({ method: 'POST', path: request.url, timestamp: '1750000000000', body: request.body })
  expect(message).toBe(`gridshare-agent-v1\nPOST\n/api/v1/agent/nodes/n1/heartbeat\n1750000000000\n${createHash('sha256').update(request.body).digest('hex')}`)
  expect(await recoverMessageAddress({ message, signature: request.headers['x-gridshare-signature'] as Hex })).toBe(account.address)
})

test('a coordinator URL with a path prefix keeps it in the URL but signs the route alone', async () => {
  const { requests, url } = await recordingServer([{ status: 200, body: {} }])
  await client(`${url}/gridshare/`).agentClient.claim('r7k3p')
  expect(requests[0].url).toBe('/gridshare/api/v1/agent/rentals/r7k3p/claim')
  const message = signedPayload({ method: 'POST', path: '/api/v1/agent/rentals/r7k3p/claim', timestamp: '1750000000000', body: '{}' })
  expect(await recoverMessageAddress({ message, signature: requests[0].headers['x-gridshare-signature'] as Hex })).toBe(account.address)
})

test('retries a 503 with backoff, signing each try afresh, then succeeds', async () => {
  const { requests, url } = await recordingServer([
    { status: 503, body: { error: 'Restarting.', code: 'UNAVAILABLE' } },
    { status: 503, body: { error: 'Restarting.', code: 'UNAVAILABLE' } },
    { status: 200, body: { ok: true } },
  ])
  const { agentClient, delays } = client(url)
  await agentClient.finished('r7k3p', { outcome: 'completed' })
  expect(requests).toHaveLength(3)
  expect(delays).toEqual([375, 750])
  // Same clock reading, yet distinct timestamps: the coordinator refuses a replayed signature.
  expect(requests.map((r) => r.headers['x-gridshare-timestamp'])).toEqual(['1750000000000', '1750000000001', '1750000000002'])
  expect(new Set(requests.map((r) => r.headers['x-gridshare-signature'])).size).toBe(3)
})

test('does not retry a 401 and surfaces the coordinator sentence', async () => {
  const { requests, url } = await recordingServer([{ status: 401, body: { error: 'The request timestamp is more than 60 s from the coordinator clock.', code: 'STALE_TIMESTAMP' } }])
  const { agentClient, delays } = client(url)
  const error = await agentClient.registerNode({ nodeKey: 'box-1', gpus: [{ name: 'H100-80GB', memoryMb: 81920 }], pricePerGpuHour: '2.5', region: 'eu-west' }).catch((e) => e)
  expect(error).toBeInstanceOf(AgentRequestError)
  expect(error).toMatchObject({
    message: 'The request timestamp is more than 60 s from the coordinator clock.',
    status: 401,
    code: 'STALE_TIMESTAMP',
    path: '/api/v1/agent/nodes',
  })
  expect(requests).toHaveLength(1)
  expect(delays).toEqual([])
})

test('a 4xx without a JSON error still says what was refused', async () => {
  const { url } = await recordingServer([{ status: 404, body: 'nope' }])
  await expect(client(url).agentClient.claim('r1')).rejects.toThrow('The coordinator answered 404 to POST /api/v1/agent/rentals/r1/claim.')
})

test('keeps trying while the coordinator is down, and gets through once it is back', async () => {
  const probe = await recordingServer([{ status: 200, body: {} }])
  const port = Number(new URL(probe.url).port)
  server!.close()
  server = undefined
  const delays: number[] = []
  let revived: Promise<unknown> | undefined
  const agentClient = new AgentClient({
    coordinatorUrl: probe.url,
    signer: account,
    clock: Date.now,
    sleep: async (ms) => {
      delays.push(ms)
      if (delays.length === 3) revived = recordingServer([{ status: 200, body: heartbeatAnswer }], port)
      await revived
    },
    random: () => 0,
    logger,
  })
  expect(await agentClient.heartbeat('n1', {})).toEqual(heartbeatAnswer)
  expect(delays).toEqual([250, 500, 1000])
})

test('error: a coordinator that never answers (a wrong --coordinator) fails after the first-contact window with one sentence', async () => {
  // A port nobody listens on: every try is refused at once.
  const probe = await recordingServer([])
  const url = probe.url
  server!.close()
  server = undefined
  let now = 1_000_000
  const delays: number[] = []
  const agentClient = new AgentClient({ coordinatorUrl: url, signer: account, clock: () => now, sleep: async (ms) => void (delays.push(ms), (now += ms)), random: () => 0, logger, firstContactMs: 30_000 })
  const failure = agentClient.heartbeat('n1', {})
  await expect(failure).rejects.toBeInstanceOf(CoordinatorUnreachableError)
  await expect(failure).rejects.toThrow(`The coordinator at ${url} did not answer for 30 s (ECONNREFUSED); check --coordinator and that the coordinator is running.`)
  // It tried for the whole window first: 250 + 500 + … ms, at least 30 s in all.
  expect(delays.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(30_000)
  expect(delays.slice(0, 3)).toEqual([250, 500, 1000])
})

test('once the coordinator has answered, an outage is retried past the first-contact window', async () => {
  const { url } = await recordingServer([{ status: 200, body: heartbeatAnswer }, { status: 503, body: {} }, { status: 503, body: {} }, { status: 200, body: heartbeatAnswer }])
  let now = 0
  const agentClient = new AgentClient({ coordinatorUrl: url, signer: account, clock: () => now, sleep: async (ms) => void (now += ms + 60_000), random: () => 0, logger, firstContactMs: 1_000 })
  expect(await agentClient.heartbeat('n1', {})).toEqual(heartbeatAnswer)
  expect(await agentClient.heartbeat('n1', {})).toEqual(heartbeatAnswer)
  expect(now).toBeGreaterThan(100_000)
})

test('gives up when the agent is stopping', async () => {
  const { url } = await recordingServer([{ status: 502, body: {} }])
  const stop = new AbortController()
  const agentClient = new AgentClient({ coordinatorUrl: url, signer: account, clock: Date.now, sleep: async () => stop.abort(), random: () => 0.5, logger })
  await expect(agentClient.claim('r1', stop.signal)).rejects.toBeInstanceOf(AgentAbortedError)
})

test('error: a 2xx body that is not the protocol', async () => {
  const { url } = await recordingServer([{ status: 200, body: { nodeId: 'n1' } }])
  await expect(client(url).agentClient.heartbeat('n1', {})).rejects.toThrow(
    'The coordinator answered POST /api/v1/agent/nodes/n1/heartbeat with an unexpected body (start: Invalid input: expected array, received undefined).',
  )
})

test('backoff doubles up to 30 s, never below half of its ceiling', () => {
  const delays = (random: number) => [1, 2, 3, 7, 8, 30].map((attempt) => backoffDelay({ attempt, baseMs: 500, maxMs: 30_000, random: () => random }))
  expect(delays(0)).toEqual([250, 500, 1000, 15000, 15000, 15000])
  expect(delays(1)).toEqual([500, 1000, 2000, 30000, 30000, 30000])
})
