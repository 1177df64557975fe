import { pino } from 'pino'
import { describe, expect, test } from 'vitest'
import { commandRegistry } from '../../commands/registry.ts'
import { createMetrics } from '../../src/app/metrics.ts'
import type { Services } from '../../src/app/Services.ts'
import { CommandPipeline } from '../../src/command/CommandPipeline.ts'
import { RateLimiter } from '../../src/command/RateLimiter.ts'
import { RewardsService } from '../../src/rewards/RewardsService.ts'
import { TOKEN } from '../support/marketHarness.ts'
import { createRewardsHarness } from '../support/rewardsHarness.ts'

const MINUTE = 60_000
const DAY = 24 * 3600_000
const EMISSION = 50_000n * TOKEN // epoch_emission's default, per full daily epoch
const provider = { platform: 'telegram' as const, id: '7', name: '@prov' }
const dm = { id: 'dm', kind: 'private' as const }

/** The real commands over a rewards harness whose first start is 12:00, mid-way through a daily epoch. */
function setUp() {
  const h = createRewardsHarness({ start: Date.UTC(2026, 10, 26, 12) })
  const a = h.provider(1)
  // A provider whose wallet was linked long before: past the security hold, so payable.
  h.sqlite.prepare('update wallets set linked_at = ?').run(h.clock.now - 30 * DAY)
  h.sqlite.prepare("insert into chat_identities (platform, platform_user_id, account_id, display_name, created_at) values ('telegram', '7', ?, '@prov', ?)").run(a.accountId, h.clock.now)
  const services = {
    publicUrl: 'http://localhost:8787',
    units: h.units,
    ledger: h.ledger,
    params: h.params,
    market: h.market,
    rewards: new RewardsService(h.db, h.epochs),
    // Reserves are read from the chain before a close; nothing to read here.
    solvency: { prepareEpochClose: async () => {} },
  } as unknown as Services
  const pipeline = new CommandPipeline({
    db: h.db,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics({ defaults: false }),
    clock: () => h.clock.now,
    commands: commandRegistry,
    services,
    rateLimiter: new RateLimiter({ burst: 1000, perSecond: 1000 }),
    adminIds: new Set(['telegram:admin']),
  })
  const admin = { platform: 'telegram' as const, id: 'admin', name: '@admin' }
  return { h, a, run: async (text: string, user: typeof provider | typeof admin = admin) => (await pipeline.runText(user, dm, text))! }
}

describe('epoch close messages say what happened', () => {
  test('a 2-minute first epoch emits 2 minutes of the daily emission; an epoch that pays nothing says so, with no Merkle root', async () => {
    const { h, a, run } = setUp()
    const start = h.clock.now
    h.uptime(a.nodeId, start, start + 7 * MINUTE)
    h.clock.now = start + 2 * MINUTE
    const first = await run('/admin epoch close')
    const emission1 = (EMISSION * BigInt(2 * MINUTE)) / BigInt(DAY)
    const epoch1 = h.epochs.get(1)!
    expect(epoch1.emission).toBe(emission1.toString())
    // One provider takes the whole (pro-rated) emission and clears the 1 GRID minimum.
    expect(first.text).toBe(
      `Epoch 1 closed (2026-11-26 12:00 UTC to 2026-11-26 12:02 UTC, emission ${h.units.display(emission1)}). 1 payout of ${h.units.display(emission1)} is being sent. Merkle root ${epoch1.merkleRoot}. Statement: http://localhost:8787/api/v1/epochs/1`,
    )
    expect(h.sqlite.prepare('select id, amount from payouts').all()).toEqual([{ id: `e1-${providerIdOf(h, a.address)}`, amount: emission1.toString() }])

    h.params.set('min_payout', '1000', { setByProposal: null, now: h.clock.now })
    h.clock.now = start + 7 * MINUTE
    const second = await run('/admin epoch close')
    const emission2 = (EMISSION * BigInt(5 * MINUTE)) / BigInt(DAY)
    expect(emission2).toBeLessThan(1000n * TOKEN)
    expect(second.text).toBe(
      `Epoch 2 closed (2026-11-26 12:02 UTC to 2026-11-26 12:07 UTC, emission ${h.units.display(emission2)}). Nothing to pay: 1 provider below the minimum payout of ${h.units.display(1000n * TOKEN)}, ${h.units.display(emission2)} carried over to the next epoch. Statement: http://localhost:8787/api/v1/epochs/2`,
    )
    expect(h.sqlite.prepare('select count(*) as n from payouts').get()).toEqual({ n: 1 })
    // The announcement says the same, and shows no root of an empty tree.
    const announcement = JSON.parse((h.sqlite.prepare("select reply from notifications where dedupe_key = 'epoch.closed:2'").get() as { reply: string }).reply)
    expect(announcement.text).toBe(
      `1 provider earned ${h.units.display(emission2)} of emission and 0 GRID in rentals. Nothing to pay: 1 provider below the minimum payout of ${h.units.display(1000n * TOKEN)}, ${h.units.display(emission2)} carried over to the next epoch.`,
    )
    expect(announcement.fields.map((f: { name: string }) => f.name)).toEqual(['Statement'])

    h.clock.now = start + 8 * MINUTE
    const empty = await run('/admin epoch close')
    // No uptime in this minute: the carried amount alone is still under the minimum.
    expect(empty.text).toBe(
      `Epoch 3 closed (2026-11-26 12:07 UTC to 2026-11-26 12:08 UTC, emission ${h.units.display((EMISSION * BigInt(MINUTE)) / BigInt(DAY))}). Nothing to pay: 1 provider below the minimum payout of ${h.units.display(1000n * TOKEN)}, ${h.units.display(emission2)} carried over to the next epoch. Statement: http://localhost:8787/api/v1/epochs/3`,
    )

    // /rewards and /balance state the same rule for the same amount.
    const rewards = await run('/rewards', provider)
    // The earnings chart of the wallet the statements pay.
    const paid = h.sqlite.prepare('select address from epoch_statements order by epoch desc limit 1').pluck().get() as string
    expect(rewards.image).toEqual({ url: `http://localhost:8787/charts/earnings.png?address=${paid}`, alt: `Earnings of ${paid} by epoch` })
    expect(rewards.fields!.find((f) => f.name === 'Epoch 3')!.value).toBe(
      `${h.units.display(emission2)} (${h.units.display(emission2)} carried in + 0 GRID emission + 0 GRID earnings), below the minimum payout of ${h.units.display(1000n * TOKEN)}, carried over to the next epoch`,
    )
    const balance = await run('/balance', provider)
    expect(balance.fields!.find((f) => f.name === 'Provider earnings')!.value).toBe(
      `${h.units.display(emission2)}, below the minimum payout of ${h.units.display(1000n * TOKEN)}: carried over, and paid at the first epoch close where your total reaches it`,
    )
    h.params.set('min_payout', '1', { setByProposal: null, now: h.clock.now })
    expect((await run('/balance', provider)).fields!.find((f) => f.name === 'Provider earnings')!.value).toBe(`${h.units.display(emission2)}, paid at the next epoch close`)
  })

  test('an epoch nobody earned in says nothing was paid', async () => {
    const { h, run } = setUp()
    h.clock.now += DAY / 2
    expect((await run('/admin epoch close')).text).toBe(
      `Epoch 1 closed (2026-11-26 12:00 UTC to 2026-11-27 00:00 UTC, emission ${h.units.display(EMISSION / 2n)}). Nothing to pay: no provider earned anything in this epoch. Statement: http://localhost:8787/api/v1/epochs/1`,
    )
  })

  test('a closed epoch is never paid more than one full period of emission', async () => {
    const { h, run } = setUp()
    // The scheduled close at midnight is the end of epoch 1; the next one is a full day.
    h.clock.now = Date.UTC(2026, 10, 27, 0)
    await run('/admin epoch close')
    h.clock.now += 3 * DAY
    await run('/admin epoch close')
    expect(h.epochs.get(1)!.emission).toBe((EMISSION / 2n).toString())
    expect(h.epochs.get(2)!.emission).toBe(EMISSION.toString())
  })
})

function providerIdOf(h: ReturnType<typeof createRewardsHarness>, address: string): number {
  return (h.sqlite.prepare('select id from providers where address = ?').get(address) as { id: number }).id
}
