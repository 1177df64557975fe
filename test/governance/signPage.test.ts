import type { Browser } from 'playwright-core'
import { pino } from 'pino'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createMetrics } from '../../src/app/metrics.ts'
import { createHttpApp } from '../../src/http/createHttpApp.ts'
import { governanceRoutes } from '../../src/http/governanceRoutes.ts'
import { launchBrowser } from '../support/browser.ts'
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

/** A page whose window.ethereum signs typed data with a viem account (EIP-1193). */
async function walletPage(wallet: ReturnType<typeof privateKeyToAccount>) {
  const page = await browser.newPage()
  await page.exposeFunction('__walletSignTypedData', async (json: string) => {
    const { domain, types, primaryType, message } = JSON.parse(json)
    const { EIP712Domain: _, ...rest } = types
    return wallet.signTypedData({ domain, types: rest, primaryType, message })
  })
  await page.addInitScript((address) => {
    ;(window as any).ethereum = {
      request: async ({ method, params }: { method: string; params?: unknown[] }) => {
        if (method === 'eth_requestAccounts') return [address]
        if (method === 'eth_signTypedData_v4') {
          if (String(params![0]).toLowerCase() !== address.toLowerCase()) throw new Error('wrong account')
          return (window as any).__walletSignTypedData(params![1])
        }
        throw new Error(`unsupported ${method}`)
      },
    }
  }, wallet.address)
  return page
}

describe('the Snapshot authorization page', () => {
  test('signs the Alias with eth_signTypedData_v4 in a real browser; the sequencer accepts it', async () => {
    const { h, server } = await servePage()
    const wallet = privateKeyToAccount(generatePrivateKey())
    const holder = h.holder('ivy', { [wallet.address]: 0 })
    const { url, alias } = h.governance.authorize(holder.accountId)
    const page = await walletPage(wallet)
    await page.goto(`${server.url}/governance/sign/${url.split('/').pop()}`)
    await expect.poll(() => page.textContent('#what')).toContain(`Signing makes ${alias} your Snapshot alias in gridshare.eth`)
    await page.click('#sign')
    await page.waitForSelector('#status.ok', { timeout: 10_000 })
    const receipt = local.received.at(-1)!.answer as { id: string }
    expect(await page.textContent('#status')).toMatch(
      new RegExp(`^Authorized ${wallet.address} until .+ GMT\\. Snapshot accepted it \\(receipt ${receipt.id}\\)\\. You can go back to the chat\\.$`),
    )
    expect(local.aliases.at(-1)).toEqual({ address: wallet.address, alias, created: local.now() })
    expect(h.governance.aliases!.list(holder.accountId)).toMatchObject([{ address: wallet.address, aliasAddress: alias, revokedAt: null }])
    await page.close()
    await server.close()
  })

  test('error: a wallet that is not linked, and an unknown link, each get one sentence', async () => {
    const { h, server } = await servePage()
    const stranger = privateKeyToAccount(generatePrivateKey())
    const holder = h.holder('jay', { [privateKeyToAccount(generatePrivateKey()).address]: 0 })
    const { url } = h.governance.authorize(holder.accountId)
    const page = await walletPage(stranger)
    await page.goto(`${server.url}/governance/sign/${url.split('/').pop()}`)
    await page.waitForSelector('#sign:not([disabled])')
    await page.click('#sign')
    await page.waitForSelector('#status.error')
    expect(await page.textContent('#status')).toBe(`${stranger.address} is not linked to your account; link it with /link first, then run /authorize again.`)
    await page.goto(`${server.url}/governance/sign/nope`)
    await page.waitForSelector('#status.error')
    expect(await page.textContent('#status')).toBe('This authorization link does not exist; run /authorize to get a new one.')
    await page.close()
    await server.close()
  })
})
