import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { privateKeyToAccount } from 'viem/accounts'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { Agent, type AgentSettings } from '../../src/agent/Agent.ts'
import { AgentClient } from '../../src/agent/AgentClient.ts'
import { AgentStateFile, type AgentState } from '../../src/agent/AgentStateFile.ts'
import type { GpuInventory } from '../../src/agent/GpuInventory.ts'
import { processGroupAlive } from '../../src/process/processIdentity.ts'
import { sleep } from '../../src/agent/sleep.ts'
import { DEFAULT_LAUNCHER_TEMPLATE, WorkloadLauncher } from '../../src/agent/WorkloadLauncher.ts'
import { FakeCoordinator } from './FakeCoordinator.ts'

const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const logger = pino({ level: 'silent' })
const inventory: GpuInventory = {
  gpus: [
    { index: 0, name: 'H100-80GB', memoryMb: 81920 },
    { index: 1, name: 'H100-80GB', memoryMb: 81920 },
  ],
  simulated: true,
  readUtilization: async () => [],
}

let coordinator: FakeCoordinator
let dir: string
const stops: AbortController[] = []
const runs: Promise<void>[] = []

beforeEach(async () => {
  coordinator = await new FakeCoordinator().start()
  dir = mkdtempSync(join(tmpdir(), 'gs-agent-'))
})

afterEach(async () => {
  for (const stop of stops.splice(0)) stop.abort()
  await Promise.allSettled(runs.splice(0))
  await coordinator.close()
  rmSync(dir, { recursive: true, force: true })
})

function startAgent({ template = DEFAULT_LAUNCHER_TEMPLATE, settings = {} }: { template?: string; settings?: Partial<AgentSettings> } = {}) {
  const client = new AgentClient({ coordinatorUrl: coordinator.url, signer: account, clock: Date.now, sleep, random: () => 0.5, logger, baseDelayMs: 20, maxDelayMs: 100 })
  const agent = new Agent(
    {
      client,
      launcher: new WorkloadLauncher({ template, logDir: join(dir, 'logs'), logger, readyTimeoutMs: 5_000, stopGraceMs: 2_000, pollMs: 50 }),
      inventory,
      state: new AgentStateFile(join(dir, 'state.json')),
      clock: Date.now,
      sleep,
      logger,
      newNodeKey: () => 'box-1',
    },
    { pricePerGpuHour: '2.5', region: 'eu-west', energy: { renewable: true }, publicHost: '127.0.0.1', heartbeatIntervalMs: 50, shutdownReportMs: 2_000, ...settings },
  )
  const stop = new AbortController()
  const run = agent.run(stop.signal)
  stops.push(stop)
  runs.push(run)
  return { stop: () => (stop.abort(), run), run }
}

const rental = (id: string, overrides: { gpuCount?: number; endsInMs?: number } = {}) => ({
  id,
  gpuCount: overrides.gpuCount ?? 1,
  endsAt: Date.now() + (overrides.endsInMs ?? 60_000),
  accessSecret: `secret-of-${id}`,
})

const readState = (): AgentState => JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))
// Zombies do not count: this sandbox's PID 1 never reaps orphans.
const groupAlive = processGroupAlive
const fetchText = async (port: string) => (await fetch(`http://127.0.0.1:${port}/`)).text()

test('registers, claims a dispatched rental, runs a real workload on a port that answers, and stops it on request', async () => {
  coordinator.offer(rental('r1'))
  startAgent()
  const running = await coordinator.waitFor(() => coordinator.rentals.get('r1')?.connection)

  expect(coordinator.calls[0]).toMatchObject({
    path: '/api/v1/agent/nodes',
    signer: account.address,
    body: {
      nodeKey: 'box-1',
      pricePerGpuHour: '2.5',
      region: 'eu-west',
      energy: { renewable: true },
      gpus: [
        { name: 'H100-80GB', memoryMb: 81920, count: 1 },
        { name: 'H100-80GB', memoryMb: 81920, count: 1 },
      ],
    },
  })
  expect(coordinator.calls.map((c) => c.path.split('/').at(-1)).filter((p) => p !== 'heartbeat')).toEqual(['nodes', 'claim', 'running'])
  expect(running).toEqual({ host: '127.0.0.1', port: expect.stringMatching(/^\d+$/), user: 'gridshare', secret: 'secret-of-r1', endsAt: expect.any(String) })
  expect(await fetchText(running.port)).toBe('gridshare rental r1\n')
  const saved = readState()
  expect(saved).toMatchObject({ nodeKey: 'box-1', nodeId: 'n1', rentals: [{ rental: { id: 'r1' }, gpus: ['0'], runningReported: true }] })
  const pid = saved.rentals[0].workload.pid
  await coordinator.waitFor(() => coordinator.callsTo('heartbeat').some((c) => c.body.running.includes('r1')))

  coordinator.requestStop('r1')
  await coordinator.waitFor(() => coordinator.rentals.get('r1')?.outcome)
  expect(coordinator.rentals.get('r1')).toMatchObject({ status: 'finished', outcome: 'completed' })
  expect(groupAlive(pid)).toBe(false)
  await expect(fetchText(running.port)).rejects.toThrow()
  expect(readState()).toMatchObject({ rentals: [], pendingReports: [] })
})

test('a workload that exits on its own is reported failed with its exit status', async () => {
  coordinator.offer(rental('r2'))
  startAgent({ template: `node -e "require('http').createServer().listen({port}, () => setTimeout(() => { console.log('out of memory'); process.exit(3) }, 300))"` })
  await coordinator.waitFor(() => coordinator.rentals.get('r2')?.outcome)
  expect(coordinator.rentals.get('r2')).toMatchObject({
    status: 'finished',
    outcome: 'failed',
    reason: "The workload exited (code 3) before the rental's end: out of memory",
  })
})

test('a workload that never listens fails its launch, and the GPUs are free again', async () => {
  coordinator.offer(rental('r3', { gpuCount: 2 }))
  startAgent({ template: 'echo "no such image" >&2; exit 125' })
  await coordinator.waitFor(() => coordinator.rentals.get('r3')?.outcome)
  expect(coordinator.rentals.get('r3')).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/^The workload exited \(code 125\) before it listened on port \d+: no such image$/) })
  coordinator.offer(rental('r4', { gpuCount: 2 }))
  await coordinator.waitFor(() => coordinator.rentals.get('r4')?.outcome)
  expect(coordinator.callsTo('r4/claim')).toHaveLength(1)
})

test('a rental larger than the free GPUs is reported failed without launching', async () => {
  coordinator.offer(rental('r5', { gpuCount: 3 }))
  startAgent()
  await coordinator.waitFor(() => coordinator.rentals.get('r5')?.outcome)
  expect(coordinator.rentals.get('r5')).toMatchObject({ outcome: 'failed', reason: 'This node has 2 free GPUs but the rental needs 3.' })
})

test('a rental dispatched while a stopping workload still holds its GPUs waits for them instead of failing', async () => {
  // The workload takes a second to end after SIGTERM, as a real job flushing its state would.
  const slowStop = `node -e "const s = require('http').createServer((q, r) => r.end('ok')).listen({port}); process.on('SIGTERM', () => setTimeout(() => process.exit(0), 1000))"`
  coordinator.offer(rental('r6', { gpuCount: 2 }))
  startAgent({ template: slowStop })
  await coordinator.waitFor(() => coordinator.rentals.get('r6')?.connection)
  // The coordinator frees the GPUs at once and hands them to the next renter in the same heartbeat.
  coordinator.requestStop('r6')
  coordinator.offer(rental('r7', { gpuCount: 2 }))
  await coordinator.waitFor(() => coordinator.rentals.get('r7')?.connection ?? coordinator.rentals.get('r7')?.outcome)
  expect(coordinator.rentals.get('r7')).toMatchObject({ status: 'running' })
  expect(coordinator.rentals.get('r6')).toMatchObject({ status: 'finished', outcome: 'completed' })
})

test("stops the workload at the rental's end and reports it completed", async () => {
  coordinator.offer(rental('r6', { endsInMs: 1_500 }))
  startAgent({ settings: { heartbeatIntervalMs: 60_000 } })
  const { port } = await coordinator.waitFor(() => coordinator.rentals.get('r6')?.connection)
  const pid = readState().rentals[0].workload.pid
  await coordinator.waitFor(() => coordinator.rentals.get('r6')?.outcome)
  expect(coordinator.rentals.get('r6')).toMatchObject({ outcome: 'completed' })
  expect(coordinator.rentals.get('r6')!.reason).toBeUndefined()
  expect(groupAlive(pid)).toBe(false)
  await expect(fetchText(port)).rejects.toThrow()
})

test('a restarted agent relaunches an active rental whose workload is gone, without claiming it again', async () => {
  const r7 = rental('r7')
  coordinator.offer(r7, 'running')
  // What a crashed run left: the rental and a pid that is no longer its workload.
  new AgentStateFile(join(dir, 'state.json')).save({
    version: 1,
    address: account.address,
    nodeKey: 'box-1',
    nodeId: 'n1',
    rentals: [{ rental: r7, gpus: ['1'], workload: { pid: process.pid, port: 1, logFile: join(dir, 'r7.log'), identity: 'another-boot:1' }, runningReported: true }],
    pendingReports: [{ rentalId: 'r0', outcome: 'completed' }],
  })
  coordinator.offer(rental('r0'), 'running')
  startAgent()
  const { port } = await coordinator.waitFor(() => coordinator.rentals.get('r7')?.connection)
  expect(await fetchText(port)).toBe('gridshare rental r7\n')
  expect(coordinator.callsTo('r7/claim')).toHaveLength(0)
  expect(coordinator.calls.find((c) => c.path.endsWith('/nodes'))?.body.nodeKey).toBe('box-1')
  // The report the crashed run could not deliver is sent on start.
  expect(coordinator.rentals.get('r0')).toMatchObject({ outcome: 'completed' })
})

test('with keepWorkloads the workload outlives the agent and the next run adopts it', async () => {
  coordinator.offer(rental('r8'))
  const first = startAgent({ settings: { keepWorkloads: true } })
  const { port } = await coordinator.waitFor(() => coordinator.rentals.get('r8')?.connection)
  await first.stop()
  expect(await fetchText(port)).toBe('gridshare rental r8\n')
  expect(coordinator.rentals.get('r8')!.status).toBe('running')
  // It is coming straight back to its workloads: the node stays listed.
  expect(coordinator.callsTo('/deregister')).toEqual([])

  const runningCalls = coordinator.callsTo('r8/running').length
  startAgent()
  await coordinator.waitFor(() => coordinator.callsTo('heartbeat').at(-1)?.body.running.includes('r8'))
  expect(coordinator.callsTo('r8/running')).toHaveLength(runningCalls)
  const pid = readState().rentals[0].workload.pid
  coordinator.requestStop('r8')
  await coordinator.waitFor(() => coordinator.rentals.get('r8')?.outcome)
  expect(groupAlive(pid)).toBe(false)
})

test('stopping the agent stops its workloads and reports them failed, so the renter is refunded', async () => {
  coordinator.offer(rental('r9'))
  const agent = startAgent()
  await coordinator.waitFor(() => coordinator.rentals.get('r9')?.connection)
  const pid = readState().rentals[0].workload.pid
  await agent.stop()
  expect(groupAlive(pid)).toBe(false)
  expect(coordinator.rentals.get('r9')).toMatchObject({ outcome: 'failed', reason: "The provider stopped the node agent before the rental's end." })
  expect(readState()).toMatchObject({ rentals: [], pendingReports: [] })
  // Then the node leaves the market at once, after its rentals' reports.
  const paths = coordinator.calls.map((call) => call.path)
  expect(paths.filter((path) => path.endsWith('/deregister'))).toEqual(['/api/v1/agent/nodes/n1/deregister'])
  expect(paths.indexOf('/api/v1/agent/nodes/n1/deregister')).toBeGreaterThan(paths.indexOf('/api/v1/agent/rentals/r9/finished'))
})

test('rides out a coordinator restart and keeps the rental running', async () => {
  coordinator.offer(rental('r10'))
  startAgent()
  const { port } = await coordinator.waitFor(() => coordinator.rentals.get('r10')?.connection)
  const url = new URL(coordinator.url)
  await coordinator.close()
  await sleep(300)
  const beats = coordinator.callsTo('heartbeat').length
  await coordinator.start(Number(url.port))
  await coordinator.waitFor(() => coordinator.callsTo('heartbeat').length > beats + 2)
  expect(await fetchText(port)).toBe('gridshare rental r10\n')
})

test('error: the state file of another wallet', async () => {
  new AgentStateFile(join(dir, 'state.json')).save({ version: 1, address: '0x0000000000000000000000000000000000000001', nodeKey: 'x', rentals: [], pendingReports: [] })
  const { run } = startAgent()
  await expect(run).rejects.toThrow(
    `The state file belongs to 0x0000000000000000000000000000000000000001, not to this key's ${account.address}; pass another --state-file.`,
  )
})
