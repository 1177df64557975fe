import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createPublicClient, createWalletClient, defineChain, erc20Abi, http, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { App } from '../../src/app/createApp.ts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import type { ChatUser } from '../../src/command/CommandContext.ts'
import type { Reply } from '../../src/command/reply.ts'
import { available, bond, earnings, escrow, system, unbonding } from '../../src/ledger/balanceKeys.ts'
import { Ledger } from '../../src/ledger/Ledger.ts'
import { sqliteOf } from '../../src/rewards/epochInputs.ts'
import { TokenUnits } from '../../src/ledger/TokenUnits.ts'
import { verifySolvencyProof, type SolvencyProof } from '../../src/solvency/verifySolvencyProof.ts'
import { startE2eApp } from '../support/e2eApp.ts'

const GRID = 10n ** 18n
const admin: ChatUser = { platform: 'telegram', id: '900', name: 'Ops' }
const users: ChatUser[] = Array.from({ length: 7 }, (_, i) => ({ platform: 'telegram', id: String(1000 + i), name: `User ${i}` }))
const consoleUser: ChatUser = { platform: 'console', id: 'local', name: 'Local' }
const dm = { id: 'dm', kind: 'private' as const }

let app: App
let dir: string
let base: string
const accountIds: number[] = []
/** What each test user is owed, in base units, as funded below. */
const owed: bigint[] = []

async function run(user: ChatUser, text: string): Promise<Reply> {
  const reply = await app.pipeline.runText(user, user.platform === 'console' ? { id: 'console', kind: 'private' } : dm, text)
  if (!reply) throw new Error(`no reply to ${text}`)
  return reply
}

function query<T>(sql: string, ...params: unknown[]): T[] {
  const sqlite = new Database(join(dir, 'gridshare.db'), { readonly: true })
  try {
    return sqlite.prepare(sql).all(...params) as T[]
  } finally {
    sqlite.close()
  }
}

const accountOf = (user: ChatUser) => query<{ id: number }>('select account_id as id from chat_identities where platform = ? and platform_user_id = ?', user.platform, user.id)[0]!.id

beforeAll(async () => {
  ;({ app, dir, base } = await startE2eApp({ ADMIN_IDS: `telegram:${admin.id}`, PUBLIC_URL: 'http://localhost:8787' }))
  await run(admin, '/balance')
  await run(consoleUser, '/balance')
  const ledger = new Ledger(app.db)
  const kinds = [available, escrow, earnings, bond, unbonding]
  for (const [i, user] of users.entries()) {
    await run(user, '/balance')
    const accountId = accountOf(user)
    accountIds.push(accountId)
    // Every balance kind, and user 0 owns nothing at all: a zero leaf still verifies.
    const entries = i === 0 ? [] : kinds.map((kind, k) => ({ key: kind(accountId), amount: BigInt(i * 10 + k) * GRID + BigInt(i) }))
    if (entries.length > 0) {
      const total = entries.reduce((s, e) => s + e.amount, 0n)
      ledger.post({ kind: 'test.fund', idempotencyKey: `solvency.fund:${i}`, entries: [{ key: system('treasury'), amount: -total }, ...entries], now: Date.now() })
    }
    owed.push(entries.reduce((s, e) => s + e.amount, 0n))
  }
  // A withdrawal on its way: moved out of available, still owed until confirmed on-chain.
  const pending = 3n * GRID
  ledger.post({ kind: 'test.withdraw', idempotencyKey: 'solvency.withdraw', entries: [{ key: available(accountIds[3]!), amount: -pending }, { key: system('payouts_pending'), amount: pending }], now: Date.now() })
  // Addressed to the zero address, which the token refuses: the running payout job can never send it,
  // so it stays owed whenever the job ticks (a dEaD address was paid whenever blocks happened to confirm it).
  sqliteOf(app.db).prepare("insert into payouts (id, kind, account_id, to_address, amount, status, created_at) values ('w-test', 'withdrawal', ?, '0x0000000000000000000000000000000000000000', ?, 'pending', ?)").run(accountIds[3], pending.toString(), Date.now())
  // A confirmed payout is no longer owed.
  sqliteOf(app.db).prepare("insert into payouts (id, kind, account_id, to_address, amount, status, created_at) values ('w-done', 'withdrawal', ?, '0x000000000000000000000000000000000000dEaD', '999', 'confirmed', ?)").run(accountIds[4], Date.now())
}, 120_000)

afterAll(async () => {
  await app?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function getJson(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`)
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

test('error: nothing is published before the first snapshot, and /balance proof says when one comes', async () => {
  expect(await getJson('/api/v1/solvency')).toEqual({ status: 404, body: { error: 'No proof of solvency has been published yet.', code: 'NOT_FOUND' } })
  expect((await run(users[1]!, '/balance proof')).text).toBe('No published proof of solvency includes your account yet: one is taken at every epoch close, so try again after the next one.')
})

test('/admin solvency publishes a root over every account; the API shows ratio ≥ 1 and the exact total', async () => {
  const reply = await run(consoleUser, '/admin solvency')
  expect(reply.title).toBe('Proof of solvency 1 published')
  expect(reply.text).toMatch(/^Reserves [\d.,]+ GRID cover liabilities 1,?\d+(\.\d+)? GRID \(ratio \d+\.\d{4}\) at block \d+\.$/)
  const { status, body } = await getJson('/api/v1/solvency')
  expect(status).toBe(200)
  const total = owed.reduce((a, b) => a + b, 0n)
  // Nine accounts: seven users, the admin and the console user, each with a leaf.
  expect(body).toMatchObject({ number: 1, epoch: null, totalLiabilities: total.toString(), inFlight: '0', solvent: true, accountCount: 9 })
  expect(BigInt(body.reserves as string)).toBeGreaterThanOrEqual(total)
  expect(Number(body.ratio)).toBeGreaterThanOrEqual(1)
  expect(reply.fields).toContainEqual({ name: 'Liabilities root', value: body.root })
  expect(await getJson('/api/v1/solvency/1')).toEqual({ status: 200, body })
  expect(JSON.stringify(body)).not.toMatch(/accountId|leaves|salt"/)
  expect(await getJson('/api/v1/solvency/2')).toMatchObject({ status: 404, body: { error: 'No solvency snapshot 2; expected the number of a published snapshot, e.g. /api/v1/solvency/1.' } })
  expect(await getJson('/api/v1/solvency/abc')).toMatchObject({ status: 404 })
  expect(await getJson('/healthz')).toMatchObject({ status: 200, body: { status: 'ok', checks: { solvency: 'ok' } } })
})

test('every account verifies its /balance proof with the documented script, and sees no other account\'s salt', async () => {
  const published = (await getJson('/api/v1/solvency')).body as { root: Hex; totalLiabilities: string }
  const proofs: SolvencyProof[] = []
  for (const [i, user] of users.entries()) {
    const reply = await run(user, '/balance proof')
    expect(reply.private).toBe(true)
    const proof = JSON.parse(reply.code!) as SolvencyProof
    expect(proof.leaf.amount).toBe(owed[i]!.toString())
    expect(proof.root).toBe(published.root)
    expect(verifySolvencyProof(proof, published)).toEqual({ ok: true })
    proofs.push(proof)
  }
  const salts = proofs.map((p) => p.leaf.salt)
  expect(new Set(salts).size).toBe(users.length)
  for (const [i, proof] of proofs.entries()) {
    const text = JSON.stringify(proof)
    for (const [j, salt] of salts.entries()) if (j !== i) expect(text).not.toContain(salt.slice(2))
    for (const id of accountIds) expect(proof).not.toHaveProperty('accountId', id)
  }
  // User 3's pending withdrawal is owed; user 4's confirmed one is not.
  expect(proofs[3]!.leaf.amount).toBe(owed[3]!.toString())
})

test('error: /admin solvency is for admins only', async () => {
  const reply = await run(users[2]!, '/admin solvency')
  expect(reply.error).toBe(true)
  expect(query('select count(*) as n from solvency_snapshots')).toEqual([{ n: 1 }])
})

test('the treasury paid out outside Gridshare: the alarm reaches admins, the announcement and /healthz', async () => {
  const { token } = JSON.parse(readFileSync(join(dir, 'devchain.json'), 'utf8')) as { token: Address }
  const chain = defineChain({ id: 31337, name: 'dev', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [app.chainRpcUrl] } } })
  const treasuryKey = privateKeyToAccount(devAccounts(1)[0]!.privateKey)
  const publicClient = createPublicClient({ chain, transport: http(app.chainRpcUrl) })
  const held = await publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [treasuryKey.address] })
  const total = owed.reduce((a, b) => a + b, 0n)
  // A raw ERC-20 transfer signed with the treasury key: the ledger never hears of it.
  const wallet = createWalletClient({ account: treasuryKey, chain, transport: http(app.chainRpcUrl) })
  const hash = await wallet.writeContract({ address: token, abi: erc20Abi, functionName: 'transfer', args: ['0x000000000000000000000000000000000000bEEF', held - total + 1n] })
  await publicClient.waitForTransactionReceipt({ hash })

  const reply = await run(consoleUser, '/admin solvency')
  expect(reply.text).toBe(`RESERVES ARE SHORT: the treasury holds ${fmt(total - 1n)} but owes users ${fmt(total)} (ratio 0.9999) at block ${(await getJson('/api/v1/solvency')).body.blockNumber}. Admins were alerted and /healthz reports degraded.`)
  expect((await getJson('/api/v1/solvency')).body).toMatchObject({ number: 2, solvent: false, reserves: (total - 1n).toString(), ratio: '0.9999' })
  expect(await getJson('/healthz')).toMatchObject({ status: 200, body: { status: 'degraded', checks: { solvency: 'degraded', database: 'ok' } } })

  const alarms = query<{ account_id: number | null; topic: string; reply: string }>("select account_id, topic, reply from notifications where dedupe_key like 'solvency.alarm:2%' order by dedupe_key")
  const shortText = `Reserves are short: the treasury holds ${fmt(total - 1n)} but Gridshare owes its users ${fmt(total)}, ${fmt(1n)} less than it owes (snapshot 2, block ${(await getJson('/api/v1/solvency')).body.blockNumber}).`
  const byAccount = (a: [number | null, string], b: [number | null, string]) => (a[0] ?? -1) - (b[0] ?? -1)
  expect(alarms.map((a): [number | null, string] => [a.account_id, a.topic]).sort(byAccount)).toEqual(
    ([[null, 'announcements'], [accountOf(admin), 'security'], [accountOf(consoleUser), 'security']] as [number | null, string][]).sort(byAccount),
  )
  expect(JSON.parse(alarms.find((a) => a.account_id === null)!.reply)).toEqual({ title: 'Solvency alarm', text: shortText, fields: [{ name: 'Proof of solvency', value: 'http://localhost:8787/api/v1/solvency/2' }] })
  expect(JSON.parse(alarms.find((a) => a.account_id === accountOf(admin))!.reply).text).toBe(`${shortText} Check the treasury's transfers now: http://localhost:8787/api/v1/solvency/2`)
  // No ordinary user is told privately.
  for (const id of accountIds) expect(alarms.some((a) => a.account_id === id)).toBe(false)
})

test('the epoch close takes a snapshot and its announcement says plainly that reserves are short', async () => {
  const reply = await run(consoleUser, '/admin epoch close')
  expect(reply.text).toMatch(/^Epoch 1 closed \(/)
  const [announcement] = query<{ reply: string }>("select reply from notifications where dedupe_key = 'epoch.closed:1'")
  const fields = (JSON.parse(announcement!.reply) as Reply).fields!
  const latest = (await getJson('/api/v1/solvency')).body
  expect(latest).toMatchObject({ number: 3, epoch: 1, solvent: false })
  expect(fields.find((f) => f.name === 'Solvency')!.value).toMatch(/^RESERVES ARE SHORT: the treasury holds .+ GRID but owes users .+ GRID \(ratio 0\.9999\) at block \d+\.$/)
  expect(fields.find((f) => f.name === 'Liabilities root')!.value).toBe(`${latest.root} (http://localhost:8787/api/v1/solvency/3)`)
})

function fmt(amount: bigint): string {
  return new TokenUnits('GRID', 18).format(amount)
}
