import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { isHex, type Hex } from 'viem'
import type { PrivateKeyAccount } from 'viem/accounts'

/** Where a system Chromium usually is; CHROMIUM_PATH names another. */
const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium', '/usr/bin/google-chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium']

export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const found = env.CHROMIUM_PATH ?? CHROMIUM_PATHS.find((path) => existsSync(path))
  if (!found) throw new Error(`The browser tests need Chromium: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH; looked in ${CHROMIUM_PATHS.join(', ')}.`)
  return found
}

/** A system Chromium, headless, with the flags this machine needs (no network beyond loopback). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  })
}

export interface FakeWallet {
  name: string
  account: PrivateKeyAccount
  /** 'eip6963' announces it (the default); 'legacy' installs it as window.ethereum only;
   *  'late' announces it only when the test calls window.__announceLate() (an extension that loads slowly). */
  via?: 'eip6963' | 'legacy' | 'late'
  /** The EIP-6963 icon; a test wallet's orange square by default. */
  icon?: string
}

export const WALLET_ICON = 'data:image/svg+xml;base64,' + Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1" fill="orange"/></svg>').toString('base64')

/** Installs EIP-1193 wallets in every page the given page loads, signing in
 *  Node with real viem accounts. Returns the log of requests each wallet got. */
export async function installWallets(page: Page, wallets: FakeWallet[]): Promise<{ name: string; method: string }[]> {
  const calls: { name: string; method: string }[] = []
  await page.exposeFunction('__walletRequest', async (index: number, method: string, params: unknown[]) => {
    const { name, account } = wallets[index]!
    calls.push({ name, method })
    const mustBeMe = (address: unknown) => {
      if (String(address).toLowerCase() !== account.address.toLowerCase()) throw new Error(`${name}: wrong account ${String(address)}`)
    }
    if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [account.address]
    if (method === 'personal_sign') {
      mustBeMe(params[1])
      const data = params[0] as string
      // Wallets take hex-encoded UTF-8 (as viem sends it) and, leniently, plain text.
      return account.signMessage({ message: isHex(data) ? { raw: data as Hex } : data })
    }
    if (method === 'eth_signTypedData_v4') {
      mustBeMe(params[0])
      const { domain, types, primaryType, message } = JSON.parse(params[1] as string)
      const { EIP712Domain: _, ...rest } = types
      return account.signTypedData({ domain, types: rest, primaryType, message })
    }
    throw Object.assign(new Error(`${name}: unsupported ${method}`), { code: 4200 })
  })
  const described = wallets.map((w, index) => ({ index, name: w.name, via: w.via ?? 'eip6963', icon: w.icon ?? WALLET_ICON }))
  await page.addInitScript(
    ({ described }) => {
      const w = window as any
      const providers = described.map(({ index, name, via, icon }) => {
        const provider = { request: ({ method, params }: { method: string; params?: unknown[] }) => w.__walletRequest(index, method, params ?? []) }
        return { info: { uuid: `00000000-0000-4000-8000-00000000000${index}`, name, icon, rdns: `test.wallet${index}` }, provider, via }
      })
      const legacy = providers.find((p) => p.via === 'legacy')
      if (legacy) w.ethereum = legacy.provider
      const announce = (which: string) => {
        for (const { info, provider, via } of providers) {
          if (via === which) window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail: Object.freeze({ info, provider }) }))
        }
      }
      window.addEventListener('eip6963:requestProvider', () => announce('eip6963'))
      announce('eip6963')
      w.__announceLate = () => announce('late')
    },
    { described },
  )
  return calls
}

