import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pino } from 'pino'
import { createWalletClient, defineChain, erc20Abi, http, parseUnits, type Address } from 'viem'
import type { PrivateKeyAccount } from 'viem/accounts'
import { loadConfig } from '../../src/app/config.ts'
import { createApp, type App } from '../../src/app/createApp.ts'

/** The whole product in-process on the embedded dev chain, in a fresh data directory. */
export async function startE2eApp(env: Record<string, string> = {}): Promise<{ app: App; dir: string; base: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'gs-e2e-'))
  const config = loadConfig({ DATABASE_PATH: join(dir, 'gridshare.db'), HTTP_PORT: '0', LOG_LEVEL: 'silent', ...env })
  const io = { input: Readable.from([]), output: new Writable({ write: (_c, _e, done) => done() }), interactive: false }
  const app = await createApp(config, pino({ level: 'silent' }), io, { demoProviders: false })
  await app.start()
  return { app, dir, base: `http://127.0.0.1:${app.httpPort}` }
}

/** Completes a /link challenge the way the signing page does. */
export async function signLink(base: string, token: string, account: PrivateKeyAccount): Promise<unknown> {
  const challenge = (await (await fetch(`${base}/api/v1/link/${token}?address=${account.address}`)).json()) as { message: string }
  const signature = await account.signMessage({ message: challenge.message })
  const response = await fetch(`${base}/api/v1/link/${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ signature, address: account.address, message: challenge.message }),
  })
  return response.json()
}

/** Sends tokens from a dev account to the treasury on the embedded chain. */
export async function depositOnChain(app: App, dir: string, account: PrivateKeyAccount, treasury: Address, amount: string): Promise<void> {
  const { token } = JSON.parse(readFileSync(join(dir, 'devchain.json'), 'utf8')) as { token: Address }
  const chain = defineChain({ id: 31337, name: 'dev', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [app.chainRpcUrl] } } })
  const wallet = createWalletClient({ account, chain, transport: http(app.chainRpcUrl) })
  await wallet.writeContract({ address: token, abi: erc20Abi, functionName: 'transfer', args: [treasury, parseUnits(amount, 18)] })
}

export async function until<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const started = Date.now()
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
