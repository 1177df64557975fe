import { afterAll, beforeAll, expect, test } from 'vitest'
import type { Browser } from 'playwright-core'
import { snapshotMarketHistory } from '../../src/dashboard/snapshotMarketHistory.ts'
import { createDashboardHarness } from '../dashboard/dashboardHarness.ts'
import { GRID, insertOffers } from '../dashboard/marketFixture.ts'
import { launchBrowser } from '../support/browser.ts'
import { distinctColours, textContrasts } from '../support/pageChecks.ts'
import { serveHttp } from '../support/serveHttp.ts'

let browser: Browser
beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
})

test('/ in Chromium: headings, the tables, the chart loaded under the CSP, no script, not blank', async () => {
  const h = createDashboardHarness()
  insertOffers(h.sqlite, [
    { node: 'a', model: 'H100-80GB', region: 'eu-west', price: 2n * GRID, total: 8, allocated: 2 },
    { node: 'b', model: 'RTX4090-24GB', region: 'us-east', price: GRID / 4n, total: 2 },
  ])
  snapshotMarketHistory({ sqlite: h.sqlite, clock: h.clock })
  const server = await serveHttp(h.app)
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 } })
  const violations: string[] = []
  page.on('console', (message) => message.text().includes('Content Security Policy') && violations.push(message.text()))
  try {
    const response = await page.goto(`${server.url}/`)
    expect(response!.status()).toBe(200)
    expect(await page.locator('h1').allTextContents()).toEqual(['Gridshare network'])
    expect(await page.locator('h2').allTextContents()).toEqual(['GPUs by model', 'GPUs by model and region', 'Last 7 days', 'Latest epoch'])
    expect(await page.locator('caption').allTextContents()).toEqual(['Listed GPUs per model, all regions', 'Listed GPUs per model and region'])
    expect(await page.locator('table').first().locator('tbody tr').allInnerTexts()).toEqual(['H100-80GB\t6\t2\t25%\t2 GRID\t2 GRID\t1', 'RTX4090-24GB\t2\t0\t0%\t0.25 GRID\t0.25 GRID\t1'])
    const chart = page.locator('img')
    await expect.poll(() => chart.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(600)
    expect(await chart.getAttribute('alt')).toMatch(/^Line charts of free GPUs and of the median price per GPU-hour .+; now: H100-80GB 6 free at a median 2 GRID; RTX4090-24GB 2 free at a median 0.25 GRID\.$/)
    // The page's style applied (its hash is in the CSP): dark text on white.
    expect(await page.evaluate(() => [getComputedStyle(document.body).color, getComputedStyle(document.body).backgroundColor])).toEqual(['rgb(27, 31, 36)', 'rgb(255, 255, 255)'])
    // WCAG AA: every text's colour against the background it sits on is at least 4.5:1.
    const contrasts = await textContrasts(page)
    expect(contrasts.length).toBeGreaterThan(30)
    expect(Math.min(...contrasts)).toBeGreaterThanOrEqual(4.5)
    expect(await page.evaluate(() => document.scripts.length)).toBe(0)
    expect(violations).toEqual([])
    expect(await distinctColours(browser, await page.screenshot({ fullPage: true }))).toBeGreaterThan(20)
  } finally {
    await page.close()
    await server.close()
  }
})
