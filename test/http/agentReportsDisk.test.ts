import { describe, expect, test } from 'vitest'
import { pino } from 'pino'
import { privateKeyToAccount } from 'viem/accounts'
import { createMetrics } from '../../src/app/metrics.ts'
import { AgentSessions } from '../../src/http/AgentSessions.ts'
import { agentRoutes } from '../../src/http/agentRoutes.ts'
import { createHttpApp } from '../../src/http/createHttpApp.ts'
import { AGENT_HEADERS, AGENT_ROUTES, signedPayload } from '../../src/protocol/agentProtocol.ts'
import { RenewableAttestations } from '../../src/rewards/RenewableAttestations.ts'
import { createMarketHarness } from '../support/marketHarness.ts'

const provider = privateKeyToAccount(`0x${'a1'.repeat(32)}`)

/** The real agent routes, with requests signed by a real wallet. */
function setup() {
  const h = createMarketHarness({ start: Date.now() })
  const app = createHttpApp({
    logger: pino({ level: 'silent' }),
    metrics: createMetrics({ defaults: false }),
    healthChecks: [],
    routes: [agentRoutes({ db: h.db, sessions: new AgentSessions({ db: h.db, secrets: h.secrets, clock: () => h.clock.now }), registry: h.registry, rentals: h.rentals, attestations: new RenewableAttestations({ db: h.db, params: h.params, clock: () => h.clock.now }), clock: () => h.clock.now })],
  })
  const post = async (path: string, body: unknown) => {
    h.clock.now += 1000
    const text = JSON.stringify(body)
    const timestamp = String(h.clock.now)
    const signature = await provider.signMessage({ message: signedPayload({ method: 'POST', path, timestamp, body: text }) })
    const response = await app.request(path, { method: 'POST', body: text, headers: { 'content-type': 'application/json', [AGENT_HEADERS.address]: provider.address, [AGENT_HEADERS.timestamp]: timestamp, [AGENT_HEADERS.signature]: signature } })
    return { status: response.status, body: await response.json() }
  }
  const stored = (nodeId: string) => h.sqlite.prepare('select driver_version as driver, cuda_version as cuda, free_disk_mb as freeDiskMb from nodes where id = ?').get(nodeId)
  const gpu = { name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559, driverVersion: '550.54.15', cudaVersion: '12.4' }
  const node = { nodeKey: 'box-1', gpus: [gpu, gpu], pricePerGpuHour: '2', region: 'eu-west' }
  return { h, post, stored, node }
}

describe('the agent reports driver, CUDA and free disk', () => {
  test('registration stores them; each heartbeat updates the free disk', async () => {
    const { post, stored, node } = setup()
    const { body } = await post(AGENT_ROUTES.registerNode, { ...node, freeDiskMb: 512_000 })
    expect(stored(body.nodeId)).toEqual({ driver: '550.54.15', cuda: '12.4', freeDiskMb: 512_000 })
    expect((await post(AGENT_ROUTES.heartbeat(body.nodeId), { freeDiskMb: 498_304 })).status).toBe(200)
    expect(stored(body.nodeId)).toEqual({ driver: '550.54.15', cuda: '12.4', freeDiskMb: 498_304 })
    expect((await post(AGENT_ROUTES.heartbeat(body.nodeId), { freeDiskMb: 0 })).status).toBe(200)
    expect(stored(body.nodeId)).toMatchObject({ freeDiskMb: 0 })
  })

  test('an older agent that sends none keeps working: nothing stored, and its heartbeats keep the last value', async () => {
    const { post, stored, node } = setup()
    const { status, body } = await post(AGENT_ROUTES.registerNode, { ...node, gpus: [{ name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559 }] })
    expect(status).toBe(200)
    expect(stored(body.nodeId)).toEqual({ driver: null, cuda: null, freeDiskMb: null })
    expect((await post(AGENT_ROUTES.heartbeat(body.nodeId), { freeDiskMb: 1024 })).status).toBe(200)
    expect((await post(AGENT_ROUTES.heartbeat(body.nodeId), { utilization: [0] })).status).toBe(200)
    expect(stored(body.nodeId)).toEqual({ driver: null, cuda: null, freeDiskMb: 1024 })
  })

  test.each([
    [-1, 'Invalid freeDiskMb: expected 0 or more megabytes.'],
    [1.5, 'Invalid freeDiskMb: expected whole megabytes.'],
    [1_000_000_001, 'Invalid freeDiskMb: expected at most 1000000000 megabytes (a petabyte).'],
    ['lots', expect.stringMatching(/^Invalid freeDiskMb: /)],
  ])('error: a free disk of %s is a 422 naming the field, and changes nothing', async (freeDiskMb, error) => {
    const { post, stored, node } = setup()
    const { body } = await post(AGENT_ROUTES.registerNode, { ...node, freeDiskMb: 100 })
    expect(await post(AGENT_ROUTES.registerNode, { ...node, freeDiskMb })).toEqual({ status: 422, body: { error, code: 'INVALID_BODY' } })
    expect(await post(AGENT_ROUTES.heartbeat(body.nodeId), { freeDiskMb })).toEqual({ status: 422, body: { error, code: 'INVALID_BODY' } })
    expect(stored(body.nodeId)).toMatchObject({ freeDiskMb: 100 })
  })
})
