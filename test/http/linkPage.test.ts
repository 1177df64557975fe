import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { pino } from 'pino'
import { privateKeyToAccount } from 'viem/accounts'
import type { Browser } from 'playwright-core'
import { createMetrics } from '../../src/app/metrics.ts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { createHttpApp } from '../../src/http/createHttpApp.ts'
import { linkRoutes } from '../../src/http/linkRoutes.ts'
import { deployDevContracts, startTestChain, type TestChain } from '../chain/testChain.ts'
import { launchBrowser } from '../support/browser.ts'
import { createMoneyHarness } from '../support/moneyHarness.ts'
import { serveHttp } from '../support/serveHttp.ts'

let chain: TestChain
let dev: EnsureDevChainReturnType
let browser: Browser
const erin = privateKeyToAccount(devAccounts(7)[6]!.privateKey)

beforeAll(async () => {
  ;[chain, browser] = await Promise.all([startTestChain(), launchBrowser()])
  dev = await deployDevContracts(chain)
})
afterAll(async () => {
  await browser?.close()
  await chain?.stop()
})

async function servePage() {
  const h = createMoneyHarness(chain, dev, { publicUrl: 'http://127.0.0.1:1' })
  const app = createHttpApp({ logger: pino({ level: 'silent' }), metrics: createMetrics({ defaults: false }), healthChecks: [], routes: [linkRoutes({ linking: h.linking })] })
  const server = await serveHttp(app)
  return { h, server }
}

describe('the wallet-signing page', () => {
  test('links a wallet end to end in a real browser with an injected EIP-1193 wallet', async () => {
    const { h, server } = await servePage()
    const { identityId, accountId } = h.identity({ platform: 'telegram', id: '777', name: '@erin' })
    const challenge = h.linking.createChallenge({ identityId })
    const page = await browser.newPage()
    await page.exposeFunction('__walletSign', (message: string) => erin.signMessage({ message }))
    await page.addInitScript((address) => {
      ;(window as any).ethereum = {
        request: async ({ method, params }: { method: string; params?: unknown[] }) => {
          if (method === 'eth_requestAccounts') return [address]
          if (method === 'personal_sign') return (window as any).__walletSign(params![0])
          throw new Error(`unsupported ${method}`)
        },
      }
    }, erin.address)
    await page.goto(`${server.url}/link/${challenge.token}`)
    await expect.poll(() => page.textContent('#who')).toContain('Telegram user @erin (id 777)')
    await page.click('#sign')
    await page.waitForSelector('#status.ok', { timeout: 10_000 })
    expect(await page.textContent('#status')).toBe(`Linked ${erin.address}. You can go back to the chat.`)
    expect(h.linking.listWallets(accountId).map((w) => w.address)).toEqual([erin.address])
    await page.close()
    await server.close()
  })

  test('error: an unknown link shows one clear sentence', async () => {
    const { server } = await servePage()
    const page = await browser.newPage()
    await page.goto(`${server.url}/link/nope`)
    await page.waitForSelector('#status.error')
    expect(await page.textContent('#status')).toBe('This link request does not exist; run /link to get a new one.')
    await page.close()
    await server.close()
  })
})
