import { afterAll, beforeAll, expect, test } from 'vitest'
import type { Browser } from 'playwright-core'
import { snapshotMarketHistory } from '../../src/dashboard/snapshotMarketHistory.ts'
import { createDashboardHarness } from '../dashboard/dashboardHarness.ts'
import { GRID, insertOffers } from '../dashboard/marketFixture.ts'
import { launchBrowser } from '../support/browser.ts'
import { serveHttp } from '../support/serveHttp.ts'

let browser: Browser
beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
})

/** Distinct colours in a PNG, counted by Chromium itself (a blank page has one). */
async function colours(png: Buffer): Promise<number> {
  const page = await browser.newPage()
  try {
    return await page.evaluate(async (dataUrl) => {
      const image = new Image()
      image.src = dataUrl
      await image.decode()
      const canvas = document.createElement('canvas')
      canvas.width = image.naturalWidth
      canvas.height = image.naturalHeight
      const context = canvas.getContext('2d')!
      context.drawImage(image, 0, 0)
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height)
      const seen = new Set<number>()
      for (let i = 0; i < data.length; i += 4) seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!)
      return seen.size
    }, `data:image/png;base64,${png.toString('base64')}`)
  } finally {
    await page.close()
  }
}

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
    const contrasts = await page.evaluate(() => {
      const rgb = (css: string) => css.match(/[\d.]+/g)!.map(Number)
      const luminance = (css: string) => {
        const [r, g, b] = rgb(css).map((v) => v / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
      }
      const background = (el: Element | null): string => {
        for (; el; el = el.parentElement) {
          const bg = getComputedStyle(el).backgroundColor
          if (rgb(bg)[3] !== 0) return bg
        }
        return 'rgb(255, 255, 255)'
      }
      const texts = [...document.body.querySelectorAll('*')].filter((el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim()))
      return texts.map((el) => {
        const [a, b] = [luminance(getComputedStyle(el).color), luminance(background(el))]
        return Math.round(((Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)) * 10) / 10
      })
    })
    expect(contrasts.length).toBeGreaterThan(30)
    expect(Math.min(...contrasts)).toBeGreaterThanOrEqual(4.5)
    expect(await page.evaluate(() => document.scripts.length)).toBe(0)
    expect(violations).toEqual([])
    expect(await colours(await page.screenshot({ fullPage: true }))).toBeGreaterThan(20)
  } finally {
    await page.close()
    await server.close()
  }
})
