import { getAddress } from 'viem'
import { describe, expect, test } from 'vitest'
import { ProviderProfile } from '../../src/dashboard/ProviderProfile.ts'
import { createPublicPagesHarness, GRID, text } from '../dashboard/publicPagesHarness.ts'

const DAY = 24 * 3600_000
const ADDRESS = getAddress(`0x${'5e'.repeat(20)}`)

function withProvider() {
  const h = createPublicPagesHarness()
  const ids = h.addProvider(ADDRESS, [
    { id: 'node-a', region: 'eu-west', model: 'H100-80GB', total: 8, allocated: 3 },
    { id: 'node-b', region: 'us-east', model: 'RTX4090-24GB', total: 2, verification: 'pending', listed: false, online: false },
  ])
  const today = Date.UTC(2026, 10, 30)
  // node-a seen all of yesterday, half of the day before; node-b never.
  h.uptime('node-a', today - DAY, today)
  h.uptime('node-a', today - 2 * DAY, today - DAY, 6)
  // Today's hours are not a whole day yet: left out.
  h.uptime('node-a', today, today + 3600_000)
  h.closeEpoch(1, [{ address: ADDRESS, ...ids, emission: 4n * GRID }], 10n * GRID)
  h.closeEpoch(2, [{ address: ADDRESS, ...ids, emission: 5n * GRID, earnings: GRID / 4n }], 10n * GRID)
  return { h, ids }
}

describe('GET /providers/<address>', () => {
  test('its nodes with verification and state, uptime and earnings with links to the proofs', async () => {
    const { h } = withProvider()
    const page = await (await h.get(`/providers/${ADDRESS.toLowerCase()}`)).text()
    expect(text(page)).toBe(
      `Network Proposals Epochs Provider ${ADDRESS} 2 nodes 1 verified 2.5% uptime, last 30 days 9.25 GRID earned in 2 epochs ` +
        'Nodes Each node: GPUs, verification and state Node Region GPUs free/total Verification State Reliability (7 days) ' +
        'node-a eu-west 5/8 H100-80GB verified (2026-11-29 00:00 UTC) listed 97.5% ' +
        'node-b us-east 2/2 RTX4090-24GB not verified yet offline 97.5% ' +
        'Uptime Earnings Earnings per closed epoch, with the proof of each payout Epoch Total Proof 2 5.25 GRID Merkle proof 1 4 GRID Merkle proof',
    )
    expect(page).toContain(`<img src="/charts/uptime.png?address=${ADDRESS}" alt="Bar chart of daily uptime over the last 30 UTC days, from 0% to 50%, 2.5% on average.">`)
    expect(page).toContain(`<img src="/charts/earnings.png?address=${ADDRESS}" alt="Bar chart of earnings per epoch: epoch 1 4 GRID; epoch 2 5.25 GRID.">`)
    expect(page).toContain(`<a href="/epochs/2?address=${ADDRESS}">Merkle proof</a>`)
  })

  test('uptime per day averages over its nodes: two nodes, one seen all day, is 50%', async () => {
    const { h } = withProvider()
    const today = Date.UTC(2026, 10, 30)
    const days = h.sqlite.prepare('select count(*) as n from uptime_hours where hour_start >= ? and hour_start < ?').get(today - DAY, today) as { n: number }
    expect(days.n).toBe(24)
    const points = new ProviderProfile({ sqlite: h.sqlite, clock: () => h.clock.now }).uptime({ id: 1 }, 2)
    expect(points.slice(-3)).toEqual([
      { day: today - 3 * DAY, uptime: 0 },
      { day: today - 2 * DAY, uptime: 25 },
      { day: today - DAY, uptime: 50 },
    ])
    expect(points).toHaveLength(30)
  })

  test('attack: a hostile region and node id stay text', async () => {
    const h = createPublicPagesHarness()
    h.addProvider(ADDRESS, [{ id: '<script>alert(1)</script>', region: '"><img src=x onerror=alert(2)>', model: '<b>GPU</b>', total: 1 }])
    const page = await (await h.get(`/providers/${ADDRESS}`)).text()
    expect(page).toContain('<th scope="row" class="mono">&lt;script&gt;alert(1)&lt;/script&gt;</th><td>&quot;&gt;&lt;img src=x onerror=alert(2)&gt;</td><td>1/1 &lt;b&gt;GPU&lt;/b&gt;</td>')
    expect(page).not.toMatch(/<script|<img src=x|<b>GPU/)
  })

  test('a provider with no nodes and no earnings yet', async () => {
    const h = createPublicPagesHarness()
    h.addProvider(ADDRESS, [])
    const body = text(await (await h.get(`/providers/${ADDRESS}`)).text())
    expect(body).toBe(
      `Network Proposals Epochs Provider ${ADDRESS} 0 nodes 0 verified 0% uptime, last 30 days 0 GRID earned in 0 epochs Nodes This provider has no nodes registered now. Uptime Earnings No earnings in a closed epoch yet.`,
    )
  })

  test.each([
    [`/providers/0x${'9'.repeat(40)}`, 404, `Not found No provider has registered with wallet 0x${'9'.repeat(40)}.`],
    ['/providers/%3Cscript%3E', 400, 'Bad request address must be a provider wallet address: 0x followed by 40 hex digits.'],
    [`/providers/0x${'g'.repeat(40)}`, 400, 'Bad request address must be a provider wallet address: 0x followed by 40 hex digits.'],
  ])('error: %s is answered %i with one sentence', async (path, status, sentence) => {
    const h = createPublicPagesHarness()
    const res = await h.get(path)
    expect(res.status).toBe(status)
    expect(text(await res.text())).toBe(`Network Proposals Epochs ${sentence}`)
  })
})
