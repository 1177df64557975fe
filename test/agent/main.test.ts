import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { AGENT_USAGE } from '../../src/agent/parseAgentOptions.ts'
import { FakeCoordinator } from './FakeCoordinator.ts'
import { testRunEnv } from '../support/processLeaks.ts'

const KEY = '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba'
const dir = mkdtempSync(join(tmpdir(), 'gs-agent-main-'))
writeFileSync(join(dir, 'key'), `${KEY}\n`, { mode: 0o600 })
let coordinator: FakeCoordinator | undefined

afterEach(async () => {
  await coordinator?.close()
  coordinator = undefined
})

/** Runs `npm run agent`'s entry point as a real process; PATH holds node alone, so no nvidia-smi. */
function runAgent(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/agent/main.ts', ...args], {
    env: { ...testRunEnv(), PATH: dirname(process.execPath), HOME: dir, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, exit, output: () => output }
}

test.concurrent('a bad command line exits 2 with one sentence and the usage', async () => {
  const agent = runAgent(['--coordinator', 'http://127.0.0.1:9', '--private-key-file', join(dir, 'key'), '--price', 'cheap'])
  expect(await agent.exit).toBe(2)
  expect(agent.output()).toBe(`--price must be a decimal amount of tokens per GPU-hour, such as 2.5.\n\n${AGENT_USAGE}`)
})

test.concurrent('a key file without a key exits 2 and never prints its content', async () => {
  writeFileSync(join(dir, 'bad-key'), KEY.slice(2))
  const agent = runAgent(['--coordinator', 'http://127.0.0.1:9', '--private-key-file', join(dir, 'bad-key')])
  expect(await agent.exit).toBe(2)
  expect(agent.output().split('\n')[0]).toBe(`--private-key-file ${join(dir, 'bad-key')} must hold one 0x-prefixed private key of 64 hex digits.`)
  expect(agent.output()).not.toContain(KEY.slice(2, 20))
})

test.concurrent('without --private-key-file the key is read from ~/.gridshare-agent/provider.key, outside any checkout', async () => {
  // HOME is the temporary directory, which has no .gridshare-agent/provider.key.
  const agent = runAgent(['--coordinator', 'http://127.0.0.1:9', '--gpus', 'H100-80GB:1'])
  expect(await agent.exit).toBe(2)
  expect(agent.output().split('\n')[0]).toBe(`No key file at ${join(dir, '.gridshare-agent', 'provider.key')}: write the provider wallet's 0x private key there (chmod 600), or pass --private-key-file.`)
})

test.concurrent('without nvidia-smi and without --gpus it says to pass --gpus and exits 1', async () => {
  const agent = runAgent(['--coordinator', 'http://127.0.0.1:9', '--private-key-file', join(dir, 'key')])
  expect(await agent.exit).toBe(1)
  expect(agent.output()).toBe('nvidia-smi was not found on this machine; pass --gpus to declare the inventory instead, such as --gpus "H100-80GB:2".\n')
})

test('runs a rental end to end and, on SIGTERM, stops it, reports it and exits 0', async () => {
  coordinator = await new FakeCoordinator().start()
  coordinator.offer({ id: 'r1', gpuCount: 1, endsAt: Date.now() + 60_000, accessSecret: 'secret-of-r1' })
  const agent = runAgent([
    '--coordinator',
    coordinator.url,
    '--private-key-file',
    join(dir, 'key'),
    '--gpus',
    'H100-80GB:1',
    '--heartbeat-ms',
    '250',
    '--public-host',
    '127.0.0.1',
    '--region',
    'eu-west',
  ])
  const { port } = await coordinator.waitFor(() => coordinator!.rentals.get('r1')?.connection, 15_000)
  expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('gridshare rental r1\n')
  agent.child.kill('SIGTERM')
  expect(await agent.exit).toBe(0)
  expect(coordinator.rentals.get('r1')).toMatchObject({ outcome: 'failed', reason: "The provider stopped the node agent before the rental's end." })
  expect(coordinator.callsTo('/agent/nodes')[0]!.body).toMatchObject({ region: 'eu-west', gpus: [{ name: 'H100-80GB', memoryMb: 81920, count: 1 }] })
  expect(agent.output()).toContain('"msg":"agent stopped"')
  expect(agent.output()).not.toContain(KEY.slice(2))
}, 30_000)
