import { getAddress } from 'viem'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { Browser } from 'playwright-core'
import { createPublicPagesHarness, GRID } from '../dashboard/publicPagesHarness.ts'
import { launchBrowser } from '../support/browser.ts'
import { distinctColours, textContrasts } from '../support/pageChecks.ts'
import { serveHttp } from '../support/serveHttp.ts'

const ADDRESS = getAddress(`0x${'5e'.repeat(20)}`)
let browser: Browser
beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
})

async function network() {
  const h = createPublicPagesHarness()
  const alice = h.holder('alice', { a1: 120 })
  const bob = h.holder('bob', { b1: 30 })
  const proposal = await h.propose({ title: 'Raise the fee', duration: '72', body: '## Why\n\nFund **audits**: see [the plan](https://example.org/plan).' })
  await alice.vote(proposal.id, 'For')
  await bob.vote(proposal.id, 'Against')
  const ids = h.addProvider(ADDRESS, [{ id: 'node-a', region: 'eu-west', model: 'H100-80GB', total: 8, allocated: 2 }])
  h.uptime('node-a', Date.UTC(2026, 10, 20), Date.UTC(2026, 10, 30))
  h.closeEpoch(1, [{ address: ADDRESS, ...ids, emission: 4n * GRID }], 10n * GRID)
  h.closeEpoch(2, [{ address: ADDRESS, ...ids, emission: 5n * GRID, earnings: GRID / 4n }], 12n * GRID)
  return h
}

test('each public page in Chromium: headings, charts loaded with alt text, no CSP violation, no script, readable contrast, not blank', async () => {
  const h = await network()
  const server = await serveHttp(h.app)
  const pages: [path: string, h1: string, h2s: string[], charts: number][] = [
    ['/proposals', 'Proposals', [], 0],
    ['/proposals/p1', 'p1: Raise the fee', ['Proposal', 'Live result', 'Quorum', 'Voters', 'How to vote'], 1],
    ['/epochs', 'Reward epochs', ['Emission and paid per epoch', 'Epochs'], 1],
    [`/epochs/2?address=${ADDRESS}`, 'Epoch 2', ['Check a payout', 'Providers'], 0],
    [`/providers/${ADDRESS}`, `Provider ${ADDRESS}`, ['Nodes', 'Uptime', 'Earnings'], 2],
  ]
  try {
    for (const [path, h1, h2s, charts] of pages) {
      const page = await browser.newPage({ viewport: { width: 1000, height: 900 } })
      const violations: string[] = []
      page.on('console', (message) => message.text().includes('Content Security Policy') && violations.push(message.text()))
      try {
        const response = await page.goto(`${server.url}${path}`)
        expect(response!.status(), path).toBe(200)
        expect(await page.locator('h1').allTextContents(), path).toEqual([h1])
        expect(await page.locator('main h2').allTextContents(), path).toEqual(h2s)
        expect(await page.locator('nav a').allTextContents()).toEqual(['Network', 'Proposals', 'Epochs'])
        const images = page.locator('img')
        expect(await images.count(), path).toBe(charts)
        for (let i = 0; i < charts; i++) {
          await expect.poll(() => images.nth(i).evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { message: path }).toBeGreaterThan(600)
          expect((await images.nth(i).getAttribute('alt'))!.length, path).toBeGreaterThan(40)
        }
        // The page's style applied (its hash is in the CSP): dark text on white.
        expect(await page.evaluate(() => [getComputedStyle(document.body).color, getComputedStyle(document.body).backgroundColor])).toEqual(['rgb(27, 31, 36)', 'rgb(255, 255, 255)'])
        const contrasts = await textContrasts(page)
        expect(contrasts.length, path).toBeGreaterThan(5)
        expect(Math.min(...contrasts), path).toBeGreaterThanOrEqual(4.5)
        expect(await page.evaluate(() => document.scripts.length)).toBe(0)
        expect(violations, path).toEqual([])
        expect(await distinctColours(browser, await page.screenshot({ fullPage: true })), path).toBeGreaterThan(20)
      } finally {
        await page.close()
      }
    }
  } finally {
    await server.close()
  }
})

test('the proof lookup form works without JavaScript and shows the proof', async () => {
  const h = await network()
  const server = await serveHttp(h.app)
  const page = await browser.newPage()
  try {
    await page.goto(`${server.url}/epochs/2`)
    await page.fill('#address', ADDRESS.toLowerCase())
    await Promise.all([page.waitForURL(/address=/), page.click('button[type=submit]')])
    expect(new URL(page.url()).pathname).toBe('/epochs/2')
    expect(await page.locator('section[aria-label="Merkle proof"] dd').first().textContent()).toBe(`${ADDRESS}, 5250000000000000000`)
    // Links between pages: the statement row leads to the provider, its earnings back to the proof.
    await Promise.all([page.waitForURL(/\/providers\//), page.click(`a[href="/providers/${ADDRESS}"]`)])
    expect(await page.locator('h1').textContent()).toBe(`Provider ${ADDRESS}`)
    await Promise.all([page.waitForURL(/epochs\/1\?address=/), page.click(`a[href="/epochs/1?address=${ADDRESS}"]`)])
    expect(await page.locator('section[aria-label="Merkle proof"] dd').first().textContent()).toBe(`${ADDRESS}, 4000000000000000000`)
  } finally {
    await page.close()
    await server.close()
  }
})
