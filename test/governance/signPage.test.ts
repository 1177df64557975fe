import type { Browser } from 'playwright-core'
import { pino } from 'pino'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createMetrics } from '../../src/app/metrics.ts'
import { createHttpApp } from '../../src/http/createHttpApp.ts'
import { governanceRoutes } from '../../src/http/governanceRoutes.ts'
import { installWallets, launchBrowser } from '../support/browser.ts'
import { serveHttp } from '../support/serveHttp.ts'
import { createGovernanceHarness } from './governanceHarness.ts'
import { LocalSnapshot } from './LocalSnapshot.ts'

let browser: Browser
let local: LocalSnapshot

beforeAll(async () => {
  ;[browser, local] = await Promise.all([launchBrowser(), new LocalSnapshot().start()])
})
afterAll(async () => {
  await browser?.close()
  await local?.stop()
})

async function servePage() {
  const h = createGovernanceHarness({ start: Date.now(), snapshot: { hubUrl: local.url, space: local.space } })
  local.now = () => Math.floor(h.clock.now / 1000)
  const app = createHttpApp({ logger: pino({ level: 'silent' }), metrics: createMetrics({ defaults: false }), healthChecks: [], routes: [governanceRoutes({ governance: h.governance })] })
  return { h, server: await serveHttp(app) }
}

const acceptedStatus = (address: string, receipt: string) =>
  new RegExp(`^Authorized ${address} until .+ GMT\\. Snapshot accepted it \\(receipt ${receipt}\\)\\. You can go back to the chat\\.$`)

describe('the Snapshot authorization page', () => {
  test('signs the Alias with eth_signTypedData_v4 from the chosen EIP-6963 wallet; the sequencer accepts it', async () => {
    const { h, server } = await servePage()
    const wallet = privateKeyToAccount(generatePrivateKey())
    const holder = h.holder('ivy', { [wallet.address]: 0 })
    const { url, alias } = h.governance.authorize(holder.accountId)
    const page = await browser.newPage()
    const calls = await installWallets(page, [
      { name: 'Rabby', account: privateKeyToAccount(generatePrivateKey()) },
      { name: 'MetaMask', account: wallet },
    ])
    await page.goto(`${server.url}/governance/sign/${url.split('/').pop()}`)
    await expect.poll(() => page.textContent('#what')).toContain(
      `Signing makes ${alias} your Snapshot alias for 30 days. On Snapshot an alias counts in every space and can also sign proposals and other messages for your wallet; the bot keeps the key sealed and signs only the votes you cast in chat, in gridshare.eth.`,
    )
    expect(await page.textContent('#warning')).toBe("If you did not run /authorize in chat yourself, close this page: signing lets the holder of that key vote, propose and more on Snapshot in your wallet's name.")
    await expect.poll(() => page.locator('button.wallet').allTextContents()).toEqual(['Rabby', 'MetaMask'])
    await page.click('button.wallet >> nth=1')
    await page.waitForSelector('#status.ok', { timeout: 10_000 })
    const receipt = local.received.at(-1)!.answer as { id: string }
    expect(await page.textContent('#status')).toMatch(acceptedStatus(wallet.address, receipt.id))
    expect(calls).toEqual([
      { name: 'MetaMask', method: 'eth_requestAccounts' },
      { name: 'MetaMask', method: 'eth_signTypedData_v4' },
    ])
    expect(local.aliases.at(-1)).toEqual({ address: wallet.address, alias, created: local.now() })
    expect(h.governance.aliases!.list(holder.accountId)).toMatchObject([{ address: wallet.address, aliasAddress: alias, revokedAt: null }])
    await page.close()
    await server.close()
  })

  test('with no wallet: "Open in wallet" links, and the typed data signed by hand and pasted is accepted', async () => {
    const { h, server } = await servePage()
    const wallet = privateKeyToAccount(generatePrivateKey())
    const holder = h.holder('kim', { [wallet.address]: 0 })
    const { url, alias } = h.governance.authorize(holder.accountId)
    const pageUrl = `${server.url}/governance/sign/${url.split('/').pop()}`
    const page = await browser.newPage({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true })
    await page.goto(pageUrl)
    await page.waitForSelector('#open-in-wallet:not([hidden])')
    expect(await page.textContent('#status')).toBe('No wallet found in this browser. On a phone, open this page in your wallet app; or sign by hand below.')
    expect(await page.getAttribute('#open-trust', 'href')).toBe(`https://link.trustwallet.com/open_url?coin_id=60&url=${encodeURIComponent(pageUrl)}`)
    expect(await page.textContent('#by-hand')).toContain('eth_signTypedData_v4')

    await page.fill('#hand-address', wallet.address)
    await page.click('#hand-show')
    await page.waitForSelector('#hand-step2:not([hidden])')
    const typedData = JSON.parse((await page.textContent('#hand-payload'))!)
    expect(typedData).toMatchObject({ primaryType: 'Alias', message: { from: wallet.address, alias } })
    const { EIP712Domain: _, ...types } = typedData.types
    await page.fill('#hand-signature', await wallet.signTypedData({ domain: typedData.domain, types, primaryType: typedData.primaryType, message: typedData.message }))
    await page.click('#hand-submit')
    await page.waitForSelector('#status.ok', { timeout: 10_000 })
    const receipt = local.received.at(-1)!.answer as { id: string }
    expect(await page.textContent('#status')).toMatch(acceptedStatus(wallet.address, receipt.id))
    expect(local.aliases.at(-1)).toEqual({ address: wallet.address, alias, created: typedData.message.timestamp })
    expect(h.governance.aliases!.list(holder.accountId)).toMatchObject([{ address: wallet.address, aliasAddress: alias, revokedAt: null }])
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    await page.close()
    await server.close()
  })

  test('error: a wallet that is not linked, and an unknown link, each get one sentence', async () => {
    const { h, server } = await servePage()
    const stranger = privateKeyToAccount(generatePrivateKey())
    const holder = h.holder('jay', { [privateKeyToAccount(generatePrivateKey()).address]: 0 })
    const { url } = h.governance.authorize(holder.accountId)
    const page = await browser.newPage()
    await installWallets(page, [{ name: 'Old wallet', account: stranger, via: 'legacy' }])
    await page.goto(`${server.url}/governance/sign/${url.split('/').pop()}`)
    await page.waitForSelector('button.wallet:not([disabled])')
    await page.click('button.wallet')
    await page.waitForSelector('#status.error')
    expect(await page.textContent('#status')).toBe(`${stranger.address} is not linked to your account; link it with /link first, then run /authorize again.`)
    await page.goto(`${server.url}/governance/sign/nope`)
    await page.waitForSelector('#status.error')
    expect(await page.textContent('#status')).toBe('This authorization link does not exist; run /authorize to get a new one.')
    expect(await page.isVisible('#by-hand')).toBe(false)
    await page.close()
    await server.close()
  })

  test('error: a pasted signature from another wallet is refused with one sentence', async () => {
    const { h, server } = await servePage()
    const wallet = privateKeyToAccount(generatePrivateKey())
    const holder = h.holder('lee', { [wallet.address]: 0 })
    const { url } = h.governance.authorize(holder.accountId)
    const page = await browser.newPage()
    await page.goto(`${server.url}/governance/sign/${url.split('/').pop()}`)
    await page.fill('#hand-address', wallet.address)
    await page.click('#hand-show')
    await page.waitForSelector('#hand-step2:not([hidden])')
    const typedData = JSON.parse((await page.textContent('#hand-payload'))!)
    const { EIP712Domain: _, ...types } = typedData.types
    const forged = await privateKeyToAccount(generatePrivateKey()).signTypedData({ domain: typedData.domain, types, primaryType: typedData.primaryType, message: typedData.message })
    await page.fill('#hand-signature', forged)
    await page.click('#hand-submit')
    await page.waitForSelector('#status.error', { timeout: 10_000 })
    expect(await page.textContent('#status')).toBe(`The signature is not ${wallet.address}'s signature of this authorization; sign with that wallet.`)
    expect(h.governance.aliases!.list(holder.accountId)).toEqual([])
    expect(await page.isEnabled('#hand-submit')).toBe(true)
    await page.close()
    await server.close()
  })
})
