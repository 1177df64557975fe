import { describe, expect, test } from 'vitest'
import { snapshotMarketHistory } from '../../src/dashboard/snapshotMarketHistory.ts'
import { createDashboardHarness } from '../dashboard/dashboardHarness.ts'
import { GRID, insertOffers } from '../dashboard/marketFixture.ts'

const HOUR = 3600_000
const CSP_PREFIX = "default-src 'none'; img-src 'self'; style-src 'sha256-"
const CSP_SUFFIX = "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

function withMarket() {
  const h = createDashboardHarness()
  insertOffers(h.sqlite, [
    { node: 'a', model: 'H100-80GB', region: 'eu-west', price: 2n * GRID, total: 8, allocated: 2 },
    { node: 'b', model: 'H100-80GB', region: 'us-east', price: 3n * GRID, total: 4 },
    { node: 'c', model: 'RTX4090-24GB', region: 'eu-west', price: GRID / 4n, total: 2, allocated: 2 },
  ])
  snapshotMarketHistory({ sqlite: h.sqlite, clock: h.clock })
  return h
}

const text = (body: string) => body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ')

describe('GET /', () => {
  test('shows the listed GPUs by model and by region, utilization and prices, under a strict CSP', async () => {
    const h = withMarket()
    const res = await h.get('/')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=UTF-8')
    const csp = res.headers.get('content-security-policy')!
    expect(csp.startsWith(CSP_PREFIX) && csp.endsWith(CSP_SUFFIX)).toBe(true)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    const body = text(await res.text())
    expect(body).toContain('Listed GPUs as of 2026-11-30 14:25 UTC; prices are per GPU-hour in GRID.')
    expect(body).toContain('10 GPUs free 4 GPUs rented 29% utilization 2 GPU models')
    expect(body).toContain('H100-80GB 10 2 17% 2 GRID – 3 GRID 2.5 GRID 2')
    expect(body).toContain('RTX4090-24GB 0 2 100% 0.25 GRID 0.25 GRID 1')
    expect(body).toContain('H100-80GB eu-west 6 2 25% 2 GRID 1')
    expect(body).toContain('H100-80GB us-east 4 0 0% 3 GRID 1')
    expect(body).toContain('No epoch has closed yet.')
    const html = await (await h.get('/')).text()
    expect(html).toContain(
      '<img src="/charts/availability.png?days=7" width="830" height="450" alt="Line charts of free GPUs and of the median price per GPU-hour for each GPU model, hourly over the last 7 days; now: H100-80GB 10 free at a median 2.5 GRID; RTX4090-24GB 0 free at a median 0.25 GRID.">',
    )
    expect(html).not.toMatch(/<script/i)
  })

  test('attack: a hostile model and region name stay text', async () => {
    const h = createDashboardHarness()
    const model = '<script>alert(1)</script>'
    const region = '"><img src=x onerror=alert(2)>'
    insertOffers(h.sqlite, [{ node: 'evil', model, region, price: GRID, total: 1 }])
    snapshotMarketHistory({ sqlite: h.sqlite, clock: h.clock })
    const html = await (await h.get('/')).text()
    expect(html).not.toContain('<script>')
    expect(html).not.toContain('<img src=x')
    expect(html).toContain('<th scope="row">&lt;script&gt;alert(1)&lt;/script&gt;</th><td>&quot;&gt;&lt;img src=x onerror=alert(2)&gt;</td>')
    // The alt attribute is escaped too.
    expect(html).toContain('now: &lt;script&gt;alert(1)&lt;/script&gt; 1 free at a median 1 GRID.">')
    expect(html.match(/<img /g)).toHaveLength(1)
  })

  test('before the first snapshot it says so', async () => {
    const h = createDashboardHarness()
    const body = text(await (await h.get('/')).text())
    expect(body).toContain('No market snapshot yet: the first one is taken a few minutes after the coordinator starts.')
    expect(body).toContain('0 GPUs free 0 GPUs rented – utilization 0 GPU models')
    expect(body).toContain('No GPUs are listed right now.')
  })

  test('the latest epoch: emission, what its payouts confirmed and what is on the way', async () => {
    const h = withMarket()
    const start = Date.UTC(2026, 10, 29)
    const epoch = h.sqlite.prepare(
      "insert into epochs (number, starts_at, ends_at, status, emission, report_hash, merkle_root, report, tree, closed_at) values (?, ?, ?, 'closed', ?, '0x', '0x', '{}', '{}', ?)",
    )
    epoch.run(11, start - 24 * HOUR, start, String(500n * GRID), start + 60_000)
    epoch.run(12, start, start + 24 * HOUR, String(1000n * GRID), start + 24 * HOUR + 60_000)
    const payout = h.sqlite.prepare("insert into payouts (id, kind, account_id, to_address, amount, status, batch_id, created_at) values (?, 'reward', 1, '0x1', ?, ?, ?, 0)")
    payout.run('e12-1', String(GRID), 'confirmed', 'epoch:12')
    payout.run('e12-2', String(GRID / 2n), 'confirmed', 'epoch:12')
    payout.run('e12-3', String(2n * GRID), 'submitted', 'epoch:12')
    payout.run('e12-4', String(7n * GRID), 'failed', 'epoch:12')
    // Short and long amounts: summed exactly across the 10^12 split.
    payout.run('e12-5', '7', 'submitted', 'epoch:12')
    payout.run('e12-6', String(2n ** 70n), 'submitted', 'epoch:12')
    // Another epoch's and a withdrawal: not this epoch's.
    payout.run('e11-1', String(9n * GRID), 'confirmed', 'epoch:11')
    payout.run('e120-1', String(9n * GRID), 'confirmed', 'epoch:120')
    payout.run('w1', String(9n * GRID), 'confirmed', null)
    const body = text(await (await h.get('/')).text())
    expect(body).toContain(
      'Latest epoch Epoch 12 Period 2026-11-29 00:00 UTC to 2026-11-30 00:00 UTC Closed 2026-11-30 00:01 UTC Emission 1,000 GRID Paid 1.5 GRID to 2 providers; ≈ 1,182.591621 GRID to 3 more on the way',
    )
    // A payout confirming shows after the next snapshot job sums them again, not on every request.
    h.sqlite.prepare("update payouts set status = 'confirmed' where id = 'e12-3'").run()
    expect(text(await (await h.get('/')).text())).toContain('Paid 1.5 GRID to 2 providers; ≈ 1,182.591621 GRID to 3 more on the way')
    h.overview.refreshEpoch()
    expect(text(await (await h.get('/')).text())).toContain('Paid 3.5 GRID to 3 providers; ≈ 1,180.591621 GRID to 2 more on the way')
    // A newly closed epoch is shown at once.
    epoch.run(13, start + 24 * HOUR, start + 48 * HOUR, String(10n * GRID), start + 48 * HOUR + 60_000)
    expect(text(await (await h.get('/')).text())).toContain('Epoch 13 Period 2026-11-30 00:00 UTC to 2026-12-01 00:00 UTC Closed 2026-12-01 00:01 UTC Emission 10 GRID Paid 0 GRID to 0 providers')
  })
})

describe('GET /charts/availability.png', () => {
  test('draws the chart as PNG (and SVG), with the models in it', async () => {
    const h = withMarket()
    const png = await h.get('/charts/availability.png?days=7')
    expect(png.status).toBe(200)
    expect(png.headers.get('content-type')).toBe('image/png')
    expect(png.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'")
    const bytes = Buffer.from(await png.arrayBuffer())
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    expect(bytes.readUInt32BE(16)).toBeGreaterThan(600) // width from the IHDR chunk
    const svg = await h.get('/charts/availability.svg?model=H100-80GB&days=1')
    expect(svg.headers.get('content-type')).toBe('image/svg+xml')
    const drawn = await svg.text()
    expect(drawn).toMatch(/^<svg/)
    expect(drawn).toContain('H100-80GB')
    expect(drawn).not.toContain('RTX4090-24GB')
    expect(drawn).toContain('GPUs free and median price, last 1 day (UTC)')
  })

  test.each([
    ['days=0', 'days must be a whole number from 1 to 90, such as days=7.'],
    ['days=91', 'days must be a whole number from 1 to 90, such as days=7.'],
    ['days=7.5', 'days must be a whole number from 1 to 90, such as days=7.'],
    ['model=%3Cscript%3E', 'model must be a GPU model name such as model=H100-80GB.'],
    ['model=MI300X-192GB', 'No GPU model MI300X-192GB was listed in the last 7 days; expected a model shown on the network page, such as model=H100-80GB.'],
  ])('error: %s is answered 400 with one sentence', async (query, error) => {
    const h = withMarket()
    const res = await h.get(`/charts/availability.png?${query}`)
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error, code: query.startsWith('model=MI') ? 'UNKNOWN_MODEL' : 'BAD_CHART_QUERY' })
  })

  test('drawings of one chart shape at once each get their own data', async () => {
    const h = withMarket()
    // Same shape (7 days, short series): one shared view, so the two drawings must take turns.
    const [h100, rtx] = await Promise.all([h.charts.render({ model: 'H100-80GB', days: 7 }, 'svg'), h.charts.render({ model: 'RTX4090-24GB', days: 7 }, 'svg')])
    expect([h100.includes('H100-80GB'), h100.includes('RTX4090-24GB')]).toEqual([true, false])
    expect([rtx.includes('H100-80GB'), rtx.includes('RTX4090-24GB')]).toEqual([false, true])
  })

  test('other chart names are not found', async () => {
    const h = withMarket()
    expect((await h.get('/charts/other.png')).status).toBe(404)
  })

  test('a chart is drawn once per snapshot: repeated requests reuse it, a new snapshot redraws it', async () => {
    const h = withMarket()
    // PNGs are Buffers: identity tells a cached answer from a new drawing.
    const first = await h.charts.render({ days: 7 }, 'png')
    expect(await h.charts.render({ days: 7 }, 'png')).toBe(first)
    // Another window is its own drawing, itself reused.
    const three = await h.charts.render({ days: 3 }, 'png')
    expect(three).not.toBe(first)
    expect(await h.charts.render({ days: 3 }, 'png')).toBe(three)
    h.setNow(h.clock() + 5 * 60_000)
    snapshotMarketHistory({ sqlite: h.sqlite, clock: h.clock })
    const redrawn = await h.charts.render({ days: 7 }, 'png')
    expect(redrawn).not.toBe(first)
    expect(redrawn).toEqual(first) // same data, same drawing
  })
})
