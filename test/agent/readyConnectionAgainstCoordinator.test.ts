import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { privateKeyToAccount } from 'viem/accounts'
import { afterEach, expect, test } from 'vitest'
import { commandRegistry } from '../../commands/registry.ts'
import { Agent } from '../../src/agent/Agent.ts'
import { AgentClient } from '../../src/agent/AgentClient.ts'
import { AgentStateFile } from '../../src/agent/AgentStateFile.ts'
import { parseGpuSpec } from '../../src/agent/parseGpuSpec.ts'
import { sleep } from '../../src/agent/sleep.ts'
import { WorkloadLauncher } from '../../src/agent/WorkloadLauncher.ts'
import { createMetrics } from '../../src/app/metrics.ts'
import type { Services } from '../../src/app/Services.ts'
import { CommandPipeline } from '../../src/command/CommandPipeline.ts'
import { RateLimiter } from '../../src/command/RateLimiter.ts'
import { AgentSessions } from '../../src/http/AgentSessions.ts'
import { agentRoutes } from '../../src/http/agentRoutes.ts'
import { createHttpApp } from '../../src/http/createHttpApp.ts'
import { SshKeys } from '../../src/identity/SshKeys.ts'
import { RenewableAttestations } from '../../src/rewards/RenewableAttestations.ts'
import { SSH_KEYS } from '../identity/sshKeyFixtures.ts'
import { createMarketHarness } from '../support/marketHarness.ts'
import { serveHttp } from '../support/serveHttp.ts'

// The renter's side end to end: /sshkey and /rent image: in chat, the real agent
// over the signed agent API launching a template that uses {image} and
// {sshPublicKeys}, and /job answering with the ssh line to paste.
const logger = pino({ level: 'silent' })
const provider = privateKeyToAccount('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6')
const alice = { platform: 'telegram' as const, id: 'alice', name: 'alice' }
const chat = { id: 'dm', kind: 'private' as const }
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await sleep(25)
  }
}

test('keys added in chat and the chosen image reach the workload; /job shows a ready ssh line; a relaunch drops a removed key and never adds a later one', async () => {
  const h = createMarketHarness()
  // Signature timestamps are checked against the coordinator clock: real time here.
  Object.defineProperty(h.clock, 'now', { get: Date.now, set: () => {} })
  const sshKeys = new SshKeys({ db: h.db, clock: Date.now })
  const attestations = new RenewableAttestations({ db: h.db, params: h.params, clock: Date.now })
  const sessions = new AgentSessions({ db: h.db, secrets: h.secrets, clock: Date.now })
  const http = createHttpApp({ logger, metrics: createMetrics({ defaults: false }), healthChecks: [], routes: [agentRoutes({ db: h.db, sessions, registry: h.registry, rentals: h.rentals, attestations, clock: Date.now })] })
  const server = await serveHttp(http)
  cleanups.push(() => server.close(), () => h.close())
  const pipeline = new CommandPipeline({
    db: h.db,
    logger,
    metrics: createMetrics({ defaults: false }),
    clock: Date.now,
    commands: commandRegistry,
    services: { units: h.units, ledger: h.ledger, market: h.market, params: h.params, sshKeys } as unknown as Services,
    rateLimiter: new RateLimiter({ burst: 1e6, perSecond: 1e6 }),
    adminIds: new Set(),
  })
  const say = async (text: string) => (await pipeline.runText(alice, chat, text))!

  const dir = mkdtempSync(join(tmpdir(), 'gs-ready-'))
  // What an SSH template does with them, minus sshd: the keys land in an authorized_keys file.
  const template = `mkdir -p ${dir}/{rentalId} && printf '%s\\n' {sshPublicKeys} > ${dir}/{rentalId}/authorized_keys && printf %s {image} > ${dir}/{rentalId}/image && exec node -e "require('http').createServer((q,s)=>s.end('ok')).listen({port})"`
  const startAgent = (settings: { keepWorkloads?: boolean } = {}, stateFile = 'state.json') => {
    const agent = new Agent(
      {
        client: new AgentClient({ coordinatorUrl: server.url, signer: provider, clock: Date.now, sleep, random: Math.random, logger, baseDelayMs: 20, maxDelayMs: 100 }),
        launcher: new WorkloadLauncher({ template, logDir: join(dir, 'logs'), logger, stopGraceMs: 2_000 }),
        inventory: { gpus: parseGpuSpec('H100-80GB:2'), simulated: true, readUtilization: async () => [] },
        state: new AgentStateFile(join(dir, stateFile)),
        clock: Date.now,
        sleep,
        logger,
        newNodeKey: () => 'box-1',
      },
      { pricePerGpuHour: '2', region: 'eu-west', energy: { renewable: false }, publicHost: '127.0.0.1', heartbeatIntervalMs: 100, ...settings },
    )
    const stop = new AbortController()
    const run = agent.run(stop.signal)
    cleanups.push(() => (stop.abort(), run))
    return () => (stop.abort(), run)
  }
  const stopAgent = startAgent({ keepWorkloads: true })

  const nodeId = await until(() => (h.sqlite.prepare('select id from nodes').get() as { id: string } | undefined)?.id)
  h.bondAndVerify(h.registry.providerAccount(provider.address), nodeId)
  h.renter('alice', 100)
  expect((await say(`/sshkey add ${SSH_KEYS.ed25519.line}`)).text).toMatch(/^Added SSH key 1:/)
  expect((await say(`/sshkey add ${SSH_KEYS.ecdsa384.line}`)).text).toMatch(/^Added SSH key 2:/)

  const quote = await say('/rent H100-80GB 1 image:cuda')
  const confirm = quote.buttons!.find((b) => b.label === 'Confirm')!
  const pressed = await pipeline.press(alice, chat, 'action' in confirm ? confirm.action : '')
  const id = /rental (r\w+)/.exec(pressed.status === 'ok' ? pressed.reply.text! : '')![1]!

  const job = await until(async () => {
    const reply = await say(`/job ${id}`)
    return reply.code ? reply : undefined
  })
  const { port } = JSON.parse(h.secrets.open((h.sqlite.prepare('select connection_sealed as c from rentals where id = ?').get(id) as { c: string }).c)) as { port: string }
  expect(job.code).toBe(`ssh -p ${port} gridshare@127.0.0.1`)
  expect(readFileSync(join(dir, id, 'authorized_keys'), 'utf8')).toBe(`${SSH_KEYS.ed25519.line}\n${SSH_KEYS.ecdsa384.line.trimEnd()}\n`)
  expect(readFileSync(join(dir, id, 'image'), 'utf8')).toBe('nvidia/cuda:12.4.1-runtime-ubuntu22.04')
  expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok')

  // Attack: someone holding the chat account adds a key; the owner removes one. The node's
  // agent is replaced (a new state file, the same node) and relaunches the rental from its order.
  await say(`/sshkey add ${SSH_KEYS.rsa2048.line}`)
  await say('/sshkey delete 2')
  await stopAgent()
  const { pid } = (JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { rentals: { workload: { pid: number } }[] }).rentals[0]!.workload
  // The first run's workload, left running on purpose; gone already if the test failed early.
  cleanups.push(() => {
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {}
  })
  startAgent({}, 'state-2.json')
  const connectionNow = () => h.secrets.open((h.sqlite.prepare('select connection_sealed as c from rentals where id = ?').get(id) as { c: string }).c)
  await until(() => !connectionNow().includes(`"port":"${port}"`))
  expect(readFileSync(join(dir, id, 'authorized_keys'), 'utf8')).toBe(`${SSH_KEYS.ed25519.line}\n`)
}, 30_000)
