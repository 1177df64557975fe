import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pino } from 'pino'
import { createWalletClient, defineChain, erc20Abi, http, parseUnits, type Address } from 'viem'
import type { PrivateKeyAccount } from 'viem/accounts'
import { loadConfig } from '../../src/app/config.ts'
import { createApp, type App } from '../../src/app/createApp.ts'
import { eq, sql } from 'drizzle-orm'
import { nodeGpus, nodes, providers } from '../../src/db/schema/market.ts'
import { wallets } from '../../src/db/schema/wallets.ts'
import { ProtocolParameters } from '../../src/governance/ProtocolParameters.ts'
import { available, system } from '../../src/ledger/balanceKeys.ts'
import { Ledger } from '../../src/ledger/Ledger.ts'
import { TokenUnits } from '../../src/ledger/TokenUnits.ts'
import { Bonds } from '../../src/market/Bonds.ts'
import { bondPerGpu, ProviderListing } from '../../src/market/ProviderListing.ts'

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

/** Waits for the agent of `address` to register, then bonds what its GPUs need
 *  (funded from the treasury through the ledger) and marks it verified the way
 *  a passed challenge does, so it is listed. Returns the node id. */
export async function bondAndVerifyAgent(app: App, address: Address): Promise<string> {
  const { db } = app
  const node = await until(() =>
    db
      .select({ id: nodes.id, accountId: wallets.accountId, gpus: sql<number>`(select coalesce(sum(${nodeGpus.total}), 0) from ${nodeGpus} where ${nodeGpus.nodeId} = ${nodes.id})` })
      .from(nodes)
      .innerJoin(providers, eq(providers.id, nodes.providerId))
      .innerJoin(wallets, eq(wallets.address, providers.address))
      .where(eq(providers.address, address))
      .get(),
  )
  const ledger = new Ledger(db)
  const params = new ProtocolParameters(db)
  const units = new TokenUnits('GRID', 18)
  const listing = new ProviderListing({ db, ledger, params, units, clock: Date.now, simulatedAllowed: true })
  const amount = bondPerGpu(params, units) * BigInt(node.gpus)
  ledger.post({ kind: 'test.fund', idempotencyKey: `e2e.bond:${address}`, entries: [{ key: system('treasury'), amount: -amount }, { key: available(node.accountId), amount }], now: Date.now() })
  new Bonds({ db, ledger, units, params, clock: Date.now, listing }).bond({ accountId: node.accountId, amount })
  db.update(nodes).set({ verification: 'verified', verifiedAt: Date.now(), verifiedGpus: node.gpus }).where(eq(nodes.id, node.id)).run()
  listing.refreshNode(node.id)
  return node.id
}
