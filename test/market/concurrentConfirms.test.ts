import { expect, test } from 'vitest'
import { pino } from 'pino'
import { commandRegistry } from '../../commands/registry.ts'
import { createMetrics } from '../../src/app/metrics.ts'
import type { Services } from '../../src/app/Services.ts'
import { CommandPipeline } from '../../src/command/CommandPipeline.ts'
import { RateLimiter } from '../../src/command/RateLimiter.ts'
import { createMarketHarness } from '../support/marketHarness.ts'

test('1,000 simultaneous confirms from 200 users against 300 free GPUs: exactly the possible rentals succeed', async () => {
  const h = createMarketHarness()
  for (let i = 0; i < 150; i++) h.provider(i, { region: `r${i}`, pricePerGpuHour: '1', gpus: [{ name: 'H100-80GB', memoryMb: 81920, count: 2 }] })
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
  let seed = 7
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
  const users = Array.from({ length: 200 }, (_, i) => ({ platform: 'telegram' as const, id: `u${i}`, name: `u${i}` }))
  users.forEach((user, i) => h.renter(user.id, i % 9)) // 0..8 GRID: some can pay for nothing, some for 8 GPU-hours
  const chat = { id: 'c', kind: 'private' as const }
  const attempts: { user: (typeof users)[number]; region: string; action: string }[] = []
  for (let i = 0; i < 1000; i++) {
    const user = users[i % 200]!
    const region = `r${random(150)}`
    const quote = await pipeline.runText(user, chat, `/rent H100-80GB 1 region:${region}`)
    expect(quote?.buttons, quote?.text).toBeDefined()
    const confirm = quote!.buttons!.find((b) => b.label === 'Confirm')
    attempts.push({ user, region, action: 'action' in confirm! ? confirm.action : '' })
  }
  const outcomes = await Promise.all(attempts.map((a) => pipeline.press(a.user, chat, a.action)))
  const texts = outcomes.map((o) => (o.status === 'ok' ? o.reply.text! : o.message))
  const succeeded = texts.filter((t) => t.startsWith('Confirmed: rental'))
  const gone = texts.filter((t) => t === 'Those GPUs are no longer available; run /rent again for a new quote.')
  const broke = texts.filter((t) => /^This needs 1 GRID but you have \d GRID available\. Use \/deposit to top up\.$/.test(t))
  expect(succeeded.length + gone.length + broke.length).toBe(1000)

  const allocations = h.sqlite.prepare('select node_id as nodeId, region, total, allocated from node_gpus').all() as { nodeId: string; region: string; total: number; allocated: number }[]
  const perNode = h.sqlite.prepare("select node_id as nodeId, count(*) as n from rentals where status = 'pending' group by node_id").all() as { nodeId: string; n: number }[]
  expect(allocations.every((a) => a.allocated <= a.total)).toBe(true)
  expect(perNode.every((p) => p.n <= 2)).toBe(true)
  expect(perNode.reduce((s, p) => s + p.n, 0)).toBe(succeeded.length)
  expect(allocations.reduce((s, a) => s + a.allocated, 0)).toBe(succeeded.length)

  // Exactly the possible ones: a refusal for capacity only where the node is full,
  // a refusal for money only where the user cannot pay for one more GPU-hour.
  const fullRegions = new Set(allocations.filter((a) => a.allocated === a.total).map((a) => a.region))
  attempts.forEach((attempt, i) => {
    if (texts[i] === gone[0]) expect(fullRegions.has(attempt.region)).toBe(true)
  })
  for (const [i, attempt] of attempts.entries()) {
    if (!broke.includes(texts[i]!)) continue
    const accountId = (h.sqlite.prepare("select account_id as a from chat_identities where platform_user_id = ?").get(attempt.user.id) as { a: number }).a
    expect(h.ledger.balancesOf(accountId).available).toBeLessThan(10n ** 18n)
  }
  expect(succeeded.length).toBeGreaterThan(0)
  expect(gone.length).toBeGreaterThan(0)
  expect(broke.length).toBeGreaterThan(0)
  expect(h.invariants()).toEqual([])
})
