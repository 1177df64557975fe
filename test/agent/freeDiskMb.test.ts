import { mkdtempSync, rmSync, statfsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { privateKeyToAccount } from 'viem/accounts'
import { afterEach, expect, test } from 'vitest'
import { Agent } from '../../src/agent/Agent.ts'
import { AgentClient } from '../../src/agent/AgentClient.ts'
import { AgentStateFile } from '../../src/agent/AgentStateFile.ts'
import { freeDiskMb } from '../../src/agent/freeDiskMb.ts'
import { sleep } from '../../src/agent/sleep.ts'
import { DEFAULT_LAUNCHER_TEMPLATE, WorkloadLauncher } from '../../src/agent/WorkloadLauncher.ts'
import { FakeCoordinator } from './FakeCoordinator.ts'

const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const logger = pino({ level: 'silent' })
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

test('reads the free space an unprivileged process may use, in whole MB, from the filesystem itself', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-disk-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const before = statfsSync(dir)
  const read = freeDiskMb(dir)!
  const after = statfsSync(dir)
  // Other writers on this disk may move it between the reads; bavail (not bfree) bounds it.
  expect(read).toBeGreaterThanOrEqual(Math.floor((Math.min(before.bavail, after.bavail) * before.bsize) / 2 ** 20))
  expect(read).toBeLessThanOrEqual(Math.floor((Math.max(before.bavail, after.bavail) * before.bsize) / 2 ** 20))
  expect(Number.isInteger(read)).toBe(true)
})

test('a directory that does not exist reads as nothing, not an error', () => {
  expect(freeDiskMb(join(tmpdir(), 'gs-disk-missing', String(Date.now())))).toBeUndefined()
})

test('the agent sends its free disk at registration and in each heartbeat; without a reader it sends none', async () => {
  const coordinator = await new FakeCoordinator().start()
  cleanups.push(() => coordinator.close())
  const dir = mkdtempSync(join(tmpdir(), 'gs-agent-disk-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const run = (key: string, readFreeDiskMb?: () => number | undefined) => {
    const agent = new Agent(
      {
        client: new AgentClient({ coordinatorUrl: coordinator.url, signer: account, clock: Date.now, sleep, random: () => 0.5, logger, baseDelayMs: 20, maxDelayMs: 100 }),
        launcher: new WorkloadLauncher({ template: DEFAULT_LAUNCHER_TEMPLATE, logDir: join(dir, key, 'logs'), logger }),
        inventory: { gpus: [{ index: 0, name: 'H100-80GB', memoryMb: 81920 }], simulated: true, readUtilization: async () => [] },
        state: new AgentStateFile(join(dir, key, 'state.json')),
        clock: Date.now,
        sleep,
        logger,
        newNodeKey: () => key,
        ...(readFreeDiskMb ? { readFreeDiskMb } : {}),
      },
      { pricePerGpuHour: '2', region: 'eu-west', energy: { renewable: false }, publicHost: '127.0.0.1', heartbeatIntervalMs: 50, shutdownReportMs: 500 },
    )
    const stop = new AbortController()
    const running = agent.run(stop.signal)
    cleanups.push(() => (stop.abort(), running.catch(() => undefined)))
  }
  let disk = 70_000
  run('with-disk', () => disk--)
  await coordinator.waitFor(() => coordinator.callsTo('/heartbeat').length >= 2)
  const registered = coordinator.callsTo('/nodes').map((c) => c.body)
  expect(registered).toMatchObject([{ nodeKey: 'with-disk', freeDiskMb: 70_000 }])
  expect(coordinator.callsTo('/heartbeat').slice(0, 2).map((c) => c.body.freeDiskMb)).toEqual([69_999, 69_998])
  run('older')
  await coordinator.waitFor(() => coordinator.calls.some((c) => c.path.endsWith('/nodes') && c.body.nodeKey === 'older'))
  expect('freeDiskMb' in coordinator.callsTo('/nodes').find((c) => c.body.nodeKey === 'older')!.body).toBe(false)
})
