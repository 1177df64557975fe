import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Hono } from 'hono'
import { pino } from 'pino'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { Browser, Page } from 'playwright-core'
import { createMetrics } from '../../src/app/metrics.ts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { createHttpApp } from '../../src/http/createHttpApp.ts'
import { linkPageHtml } from '../../src/http/linkPage.ts'
import { linkRoutes } from '../../src/http/linkRoutes.ts'
import { deployDevContracts, startTestChain, type TestChain } from '../chain/testChain.ts'
import { installWallets, launchBrowser, WALLET_ICON } from '../support/browser.ts'
import { createMoneyHarness } from '../support/moneyHarness.ts'
import { serveHttp } from '../support/serveHttp.ts'

let chain: TestChain
let dev: EnsureDevChainReturnType
let browser: Browser
const erin = privateKeyToAccount(devAccounts(7)[6]!.privateKey)
const WARNING = "If this is not you, close this page: signing gives that chat user control over this wallet's Gridshare account."
const linked = (address: string, identity: string) => `Linked ${address} to ${identity}; your chat has been told, and withdrawals wait 24 hours after this change.`

beforeAll(async () => {
  ;[chain, browser] = await Promise.all([startTestChain(), launchBrowser()])
  dev = await deployDevContracts(chain)
})
afterAll(async () => {
  await browser?.close()
  await chain?.stop()
})

function serve(routes: Hono[]) {
  return serveHttp(createHttpApp({ logger: pino({ level: 'silent' }), metrics: createMetrics({ defaults: false }), healthChecks: [], routes }))
}

async function servePage() {
  const h = createMoneyHarness(chain, dev, { publicUrl: 'http://127.0.0.1:1' })
  return { h, server: await serve([linkRoutes({ linking: h.linking })]) }
}

/** Scripts that ran or elements that appeared because of a hostile name would show up here. */
const injected = (page: Page) => page.evaluate(() => ({ pwned: (window as any).__pwned ?? null, scripts: document.scripts.length, images: document.querySelectorAll('img').length }))

describe('the wallet-signing page', () => {
  test('says which chat user the wallet will be linked to, with the warning, before any wallet button; a hostile name stays text', async () => {
    const { h, server } = await servePage()
    const name = `<script>window.__pwned=1</script>"'><img src=x onerror="window.__pwned=2">`
    const { identityId } = h.identity({ platform: 'telegram', id: '778', name })
    const challenge = h.linking.createChallenge({ identityId })
    const page = await browser.newPage()
    await installWallets(page, [{ name: 'Rabby', account: erin }])
    await page.goto(`${server.url}/link/${challenge.token}`)
    await page.waitForSelector('button.wallet')
    expect(await page.textContent('#who')).toMatch(/^Signing links your wallet to Telegram user @<script>window.__pwned=1<\/script>"'><img src=x onerror="window.__pwned=2"> \(id 778\)\. This page works until .+\.$/)
    expect(await page.textContent('#warning')).toBe(WARNING)
    // The warning comes before the first wallet button in the page.
    expect(await page.evaluate(() => Boolean(document.getElementById('warning')!.compareDocumentPosition(document.querySelector('button.wallet')!) & Node.DOCUMENT_POSITION_FOLLOWING))).toBe(true)
    expect(await injected(page)).toEqual({ pwned: null, scripts: 1, images: 1 }) // the one image is the wallet's icon
    expect(await page.getAttribute('button.wallet img', 'src')).toBe(WALLET_ICON)
    await page.close()
    await server.close()
  })

  test('an unfreeze request says whose account signing unfreezes', async () => {
    const { h, server } = await servePage()
    const { identityId } = h.identity({ platform: 'discord', id: '782', name: 'erin' })
    const challenge = h.linking.createChallenge({ identityId, purpose: 'unfreeze' })
    const page = await browser.newPage()
    await installWallets(page, [{ name: 'MetaMask', account: erin }])
    await page.goto(`${server.url}/link/${challenge.token}`)
    await page.waitForSelector('button.wallet')
    expect(await page.textContent('#title')).toBe('Unfreeze your account')
    expect(await page.textContent('#who')).toMatch(/^Signing unfreezes the Gridshare account of Discord user @erin \(id 782\)\. This page works until .+\.$/)
    expect(await page.textContent('#warning')).toBe("If this is not you, close this page: signing unfreezes that chat user's Gridshare account.")
    await page.close()
    await server.close()
  })

  test('two EIP-6963 wallets get two buttons; choosing the second signs and links with it', async () => {
    const { h, server } = await servePage()
    const other = privateKeyToAccount(generatePrivateKey())
    const { identityId, accountId } = h.identity({ platform: 'telegram', id: '777', name: '@erin' })
    const challenge = h.linking.createChallenge({ identityId })
    const page = await browser.newPage()
    const calls = await installWallets(page, [
      { name: 'Rabby', account: other },
      { name: 'MetaMask', account: erin },
    ])
    await page.goto(`${server.url}/link/${challenge.token}`)
    await expect.poll(() => page.locator('button.wallet').allTextContents()).toEqual(['Rabby', 'MetaMask'])
    expect(await page.isVisible('#open-in-wallet')).toBe(false)
    await page.click('button.wallet >> nth=1')
    await page.waitForSelector('#status.ok', { timeout: 10_000 })
    expect(await page.textContent('#status')).toBe(linked(erin.address, 'Telegram user @erin (id 777)'))
    expect(calls).toEqual([
      { name: 'MetaMask', method: 'eth_requestAccounts' },
      { name: 'MetaMask', method: 'personal_sign' },
    ])
    expect(await page.textContent('#message')).toContain(`${erin.address}\n`)
    expect(h.linking.listWallets(accountId).map((w) => w.address)).toEqual([erin.address])
    await page.close()
    await server.close()
  })

  test('a wallet that only sets window.ethereum gets one button and links', async () => {
    const { h, server } = await servePage()
    const { identityId, accountId } = h.identity({ platform: 'discord', id: '779', name: 'erin' })
    const challenge = h.linking.createChallenge({ identityId })
    const page = await browser.newPage()
    await installWallets(page, [{ name: 'Old wallet', account: erin, via: 'legacy' }])
    await page.goto(`${server.url}/link/${challenge.token}`)
    await expect.poll(() => page.locator('button.wallet').allTextContents()).toEqual(['Browser wallet'])
    await page.click('button.wallet')
    await page.waitForSelector('#status.ok', { timeout: 10_000 })
    expect(await page.textContent('#status')).toBe(linked(erin.address, 'Discord user @erin (id 779)'))
    expect(h.linking.listWallets(accountId).map((w) => w.address)).toEqual([erin.address])
    await page.close()
    await server.close()
  })

  test('with no wallet on a phone: "Open in wallet" links and the by-hand form; a pasted signature links', async () => {
    const { h, server } = await servePage()
    const { identityId, accountId } = h.identity({ platform: 'telegram', id: '780', name: '@erin' })
    const challenge = h.linking.createChallenge({ identityId })
    const page = await browser.newPage({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true })
    const pageUrl = `${server.url}/link/${challenge.token}`
    await page.goto(pageUrl)
    await page.waitForSelector('#open-in-wallet:not([hidden])')
    expect(await page.textContent('#status')).toBe('No wallet found in this browser. On a phone, open this page in your wallet app; or sign by hand below.')
    expect(await page.locator('#open-in-wallet a').evaluateAll((links) => links.map((a) => [a.textContent, a.getAttribute('href')]))).toEqual([
      ['Open in MetaMask', `https://link.metamask.io/dapp/${new URL(pageUrl).host}/link/${challenge.token}`],
      ['Open in Coinbase Wallet', `https://go.cb-w.com/dapp?cb_url=${encodeURIComponent(pageUrl)}`],
      ['Open in Trust Wallet', `https://link.trustwallet.com/open_url?coin_id=60&url=${encodeURIComponent(pageUrl)}`],
    ])
    expect(await page.locator('button.wallet').count()).toBe(0)
    expect(await page.evaluate(() => (document.getElementById('by-hand') as HTMLDetailsElement).open)).toBe(true)
    expect(await page.textContent('#by-hand')).toContain('send /link 0xYourAddress to get the text there, then /verify <signature>')

    await page.fill('#hand-address', 'not an address')
    await page.click('#hand-show')
    await page.waitForSelector('#status.error')
    expect(await page.textContent('#status')).toBe('Enter your wallet address: 0x followed by 40 hexadecimal characters.')

    await page.fill('#hand-address', erin.address)
    await page.click('#hand-show')
    await page.waitForSelector('#hand-step2:not([hidden])')
    const message = (await page.textContent('#hand-payload'))!
    expect(message).toBe(h.linking.describeChallenge(challenge.token, erin.address).message)
    await page.fill('#hand-signature', await erin.signMessage({ message }))
    await page.click('#hand-submit')
    await page.waitForSelector('#status.ok', { timeout: 10_000 })
    expect(await page.textContent('#status')).toBe(linked(erin.address, 'Telegram user @erin (id 780)'))
    expect(h.linking.listWallets(accountId).map((w) => w.address)).toEqual([erin.address])
    // Nothing sticks out sideways on a narrow phone screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    await page.close()
    await server.close()
  })

  test("attacker's case: the victim signs the attacker's link page with a wallet already linked; the page says it waits for approval and nothing moves", async () => {
    const { h, server } = await servePage()
    const victim = h.identity({ platform: 'telegram', id: '790', name: '@vic' })
    const own = h.linking.createChallenge({ identityId: victim.identityId, address: erin.address })
    await h.linking.verify({ token: own.token, address: erin.address, signature: await erin.signMessage({ message: own.message! }) })
    const attacker = h.identity({ platform: 'telegram', id: '791', name: '@mallory' })
    const phish = h.linking.createChallenge({ identityId: attacker.identityId })
    const page = await browser.newPage()
    await installWallets(page, [{ name: 'MetaMask', account: erin }])
    await page.goto(`${server.url}/link/${phish.token}`)
    // What the victim is shown before signing names the attacker's chat user.
    await expect.poll(() => page.textContent('#who')).toContain('Signing links your wallet to Telegram user @mallory (id 791).')
    await page.click('button.wallet')
    await page.waitForSelector('#status.pending', { timeout: 10_000 })
    expect(await page.textContent('#status')).toMatch(new RegExp(`^${erin.address} already belongs to another Gridshare account, so nothing changed yet: you and its owner must approve in chat by \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\.$`))
    expect(h.linking.listWallets(victim.accountId).map((w) => w.address)).toEqual([erin.address])
    expect(h.linking.listWallets(attacker.accountId)).toEqual([])
    await page.close()
    await server.close()
  })

  test('error: a by-hand signature from another wallet is refused with one sentence and links nothing', async () => {
    const { h, server } = await servePage()
    const mallory = privateKeyToAccount(generatePrivateKey())
    const { identityId, accountId } = h.identity({ platform: 'telegram', id: '781', name: '@erin' })
    const challenge = h.linking.createChallenge({ identityId })
    const page = await browser.newPage()
    await page.goto(`${server.url}/link/${challenge.token}`)
    await page.fill('#hand-address', erin.address)
    await page.click('#hand-show')
    await page.waitForSelector('#hand-step2:not([hidden])')
    await page.fill('#hand-signature', await mallory.signMessage({ message: (await page.textContent('#hand-payload'))! }))
    await page.click('#hand-submit')
    await page.waitForSelector('#status.error', { timeout: 10_000 })
    expect(await page.textContent('#status')).toBe(`The signature does not match the address ${erin.address}; sign with that wallet.`)
    expect(h.linking.listWallets(accountId)).toEqual([])
    await page.close()
    await server.close()
  })

  test('error: an unknown link shows one clear sentence and offers nothing to sign', async () => {
    const { server } = await servePage()
    const page = await browser.newPage()
    await installWallets(page, [{ name: 'Rabby', account: erin }])
    await page.goto(`${server.url}/link/nope`)
    await page.waitForSelector('#status.error')
    expect(await page.textContent('#status')).toBe('This link request does not exist; run /link to get a new one.')
    expect(await page.isVisible('#wallets')).toBe(false)
    expect(await page.isVisible('#by-hand')).toBe(false)
    await page.close()
    await server.close()
  })
})

/** The API contract the page is written against (purpose, and the { status, address, message } answer), served by a stand-in. */
describe('the wallet-signing page against the account-security API', () => {
  function stubApi(answer: { status: string; address: string; message: string }) {
    const posts: unknown[] = []
    const app = new Hono()
    app.get('/link/:token', (c) => c.html(linkPageHtml()))
    app.get('/api/v1/link/:token', (c) =>
      c.json({ message: c.req.query('address') ? `sign me ${c.req.query('address')}` : null, identity: 'Telegram user @alice (id 123)', address: c.req.query('address') ?? null, expiresAt: new Date(Date.now() + 600_000).toISOString(), purpose: 'unfreeze' }),
    )
    app.post('/api/v1/link/:token', async (c) => {
      posts.push(await c.req.json())
      return c.json(answer)
    })
    return { posts, app }
  }

  test('purpose unfreeze: says whose account signing unfreezes; shows the answer\'s own sentence', async () => {
    const sentence = 'Your account asks for approval: Telegram user @alice (id 123) waits for the other account to approve.'
    const { posts, app } = stubApi({ status: 'merge_pending', address: erin.address, message: sentence })
    const server = await serve([app])
    const page = await browser.newPage()
    await installWallets(page, [{ name: 'Rabby', account: erin }])
    await page.goto(`${server.url}/link/t0k3n`)
    await page.waitForSelector('button.wallet')
    expect(await page.textContent('#title')).toBe('Unfreeze your account')
    expect(await page.textContent('#who')).toMatch(/^Signing unfreezes the Gridshare account of Telegram user @alice \(id 123\)\. This page works until .+\.$/)
    expect(await page.textContent('#warning')).toBe("If this is not you, close this page: signing unfreezes that chat user's Gridshare account.")
    await page.click('button.wallet')
    await page.waitForSelector('#status.pending', { timeout: 10_000 })
    expect(await page.textContent('#status')).toBe(sentence)
    expect(posts).toEqual([{ signature: await erin.signMessage({ message: `sign me ${erin.address}` }), address: erin.address }])
    await page.close()
    await server.close()
  })

  test('a wallet that announces itself late replaces the no-wallet advice and signs', async () => {
    const { posts, app } = stubApi({ status: 'linked', address: erin.address, message: `Linked ${erin.address} to Telegram user @alice (id 123).` })
    const server = await serve([app])
    const page = await browser.newPage()
    await installWallets(page, [{ name: 'Slow wallet', account: erin, via: 'late' }])
    await page.goto(`${server.url}/link/t0k3n`)
    await page.waitForSelector('#open-in-wallet:not([hidden])')
    await page.evaluate(() => (window as any).__announceLate())
    await page.waitForSelector('button.wallet')
    expect(await page.isVisible('#open-in-wallet')).toBe(false)
    expect(await page.textContent('#status')).toBe('')
    await page.click('button.wallet')
    await page.waitForSelector('#status.ok', { timeout: 10_000 })
    expect(await page.textContent('#status')).toBe(`Linked ${erin.address} to Telegram user @alice (id 123).`)
    expect(posts).toHaveLength(1)
    await page.close()
    await server.close()
  })

  test('a wallet icon that is not a data: image is left out (it could track the visitor); a long name is cut', async () => {
    const { app } = stubApi({ status: 'linked', address: erin.address, message: 'ok' })
    const server = await serve([app])
    const page = await browser.newPage()
    await installWallets(page, [
      { name: 'Tracker', account: erin, icon: 'https://tracker.example/pixel.png' },
      { name: 'x'.repeat(200), account: erin, icon: 'data:text/html;base64,PHNjcmlwdD4=' },
    ])
    await page.goto(`${server.url}/link/t0k3n`)
    await expect.poll(() => page.locator('button.wallet').allTextContents()).toEqual(['Tracker', 'x'.repeat(60)])
    expect(await page.locator('button.wallet img').count()).toBe(0)
    await page.close()
    await server.close()
  })

  test('the page itself holds no token and loads nothing from elsewhere', async () => {
    const { app } = stubApi({ status: 'linked', address: erin.address, message: 'ok' })
    const server = await serve([app])
    const token = 'Zq9secretTOKENvalue'
    const html = await (await fetch(`${server.url}/link/${token}`)).text()
    expect(html).not.toContain(token)
    expect(html).not.toMatch(/\b(src|href)=/)
    expect(html).toContain(`<meta name="referrer" content="no-referrer">`)
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'">/)
    await server.close()
  })
})
