import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPublicClient, createTestClient, http } from 'viem'
import { afterAll, expect, test } from 'vitest'
import { testRunEnv } from '../support/processLeaks.ts'
import { processAlive } from '../../src/process/processIdentity.ts'

const dir = mkdtempSync(join(tmpdir(), 'gs-killed-'))
const children: ChildProcess[] = []
afterAll(() => children.forEach((c) => c.kill('SIGKILL')))

/** `npm start`'s entry point as a real process that keeps running (stdin stays open). */
async function startMain(): Promise<{ child: ChildProcess; rpcUrl: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/app/main.ts'], {
    env: { ...testRunEnv(), PATH: process.env.PATH, DATABASE_PATH: join(dir, 'gridshare.db'), HTTP_PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['pipe', 'ignore', 'pipe'],
  })
  children.push(child)
  let stderr = ''
  const rpcUrl = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      const match = /Dev chain 31337 at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)
      if (match && /HTTP on port \d+/.test(stderr)) resolve(match[1]!)
    })
    child.once('exit', () => reject(new Error(`main exited early: ${stderr}`)))
  })
  return { child, rpcUrl }
}

test('SIGKILL of the product takes the embedded chain with it within 5 s; the next start sees the same chain', async () => {
  const first = await startMain()
  await createTestClient({ mode: 'anvil', transport: http(first.rpcUrl) }).mine({ blocks: 5 })
  const height = await createPublicClient({ transport: http(first.rpcUrl) }).getBlockNumber()
  const pidFile = join(dir, 'anvil-state.json.pid')
  const { pid } = JSON.parse(readFileSync(pidFile, 'utf8')) as { pid: number }
  expect(processAlive(pid)).toBe(true)

  first.child.kill('SIGKILL')
  const killedAt = Date.now()
  await expect.poll(() => processAlive(pid), { timeout: 5_000, interval: 50 }).toBe(false)
  expect(Date.now() - killedAt).toBeLessThan(5_000)

  const second = await startMain()
  const restarted = await createPublicClient({ transport: http(second.rpcUrl) }).getBlockNumber()
  expect(restarted).toBeGreaterThanOrEqual(height)
  // The record left by the killed run was replaced by this run's anvil.
  expect(JSON.parse(readFileSync(pidFile, 'utf8')).pid).not.toBe(pid)
  second.child.stdin!.end()
  await new Promise((resolve) => second.child.once('exit', resolve))
}, 60_000)
