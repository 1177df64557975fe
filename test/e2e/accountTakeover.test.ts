import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Message } from 'telegraf/types'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { App } from '../../src/app/createApp.ts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import { checkLedger } from '../../src/ledger/checkLedger.ts'
import { LocalBotApi, type TestUser } from '../chat/telegram/LocalBotApi.ts'
import { depositOnChain, signLink, startE2eApp } from '../support/e2eApp.ts'

// The two attacks of issue 12, through the real Telegram adapter (telegraf
// against a local Bot API server), the real HTTP link API and the embedded
// anvil: a victim with 100 GRID, an attacker with a wallet of their own.
const keys = devAccounts(10)
const victimWallet = privateKeyToAccount(keys[3]!.privateKey)
const attackerWallet = privateKeyToAccount(keys[4]!.privateKey)
let api: LocalBotApi
let app: App
let dir: string
let base: string
let victim: TestUser
let attacker: TestUser
/** Bot messages per chat that arrived while the test waited for another one. */
const unseen = new Map<number, Message.TextMessage[]>()

beforeAll(async () => {
  api = await LocalBotApi.start()
  victim = api.user(5001, 'Victor', { username: 'victor', started: true })
  attacker = api.user(6001, 'Mallory', { username: 'mallory', started: true })
  ;({ app, dir, base } = await startE2eApp({ TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.apiRoot }))

  await linkWallet(victim, victimWallet)
  await linkWallet(attacker, attackerWallet)
  const deposit = await say(victim, '/deposit', /Treasury: (0x[0-9a-fA-F]{40})/)
  const treasury = /Treasury: (0x[0-9a-fA-F]{40})/.exec(deposit.text)![1] as `0x${string}`
  await depositOnChain(app, dir, victimWallet, treasury, '100')
  await message(victim, /^Deposit of 100 GRID from 0x[0-9a-fA-F]{40} credited\./)
}, 90_000)

afterAll(async () => {
  await app?.stop()
  await api?.close()
})

/** The next bot message to this user matching `pattern`; others are kept for later waits. */
async function message(user: TestUser, pattern: RegExp, timeoutMs = 15_000): Promise<Message.TextMessage> {
  const kept = unseen.get(user.id) ?? []
  unseen.set(user.id, kept)
  const index = kept.findIndex((m) => pattern.test(m.text))
  if (index >= 0) return kept.splice(index, 1)[0]!
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const next = await api.nextMessage(user.id, Math.max(1, deadline - Date.now())).catch(() => undefined)
    if (!next) throw new Error(`no message to ${user.first_name} matching ${pattern}; unread: ${kept.map((m) => m.text).join(' | ')}`)
    if (pattern.test(next.text)) return next
    kept.push(next)
  }
}

async function say(user: TestUser, text: string, answer: RegExp): Promise<Message.TextMessage> {
  api.sendText(user, text)
  return message(user, answer)
}

async function linkWallet(user: TestUser, wallet: typeof victimWallet): Promise<void> {
  const link = await say(user, '/link', /\/link\/([\w-]+)/)
  const token = /\/link\/([\w-]+)/.exec(link.text)![1]!
  expect(await signLink(base, token, wallet)).toMatchObject({ status: 'linked', address: wallet.address })
  await message(user, new RegExp(`${wallet.address}`))
}

function balances(): Record<string, bigint> {
  const sqlite = new Database(join(dir, 'gridshare.db'), { readonly: true })
  try {
    expect(checkLedger(sqlite)).toEqual([])
    const rows = sqlite.prepare('select key, balance from ledger_balances').all() as { key: string; balance: string }[]
    return Object.fromEntries(rows.map((r) => [r.key, BigInt(r.balance)]))
  } finally {
    sqlite.close()
  }
}

function accountOf(userId: number): number {
  const sqlite = new Database(join(dir, 'gridshare.db'), { readonly: true })
  try {
    return (sqlite.prepare("select account_id as id from chat_identities where platform = 'telegram' and platform_user_id = ?").get(String(userId)) as { id: number }).id
  } finally {
    sqlite.close()
  }
}

function payoutsTo(address: string): number {
  const sqlite = new Database(join(dir, 'gridshare.db'), { readonly: true })
  try {
    return (sqlite.prepare('select count(*) as n from payouts where to_address = ?').get(address) as { n: number }).n
  } finally {
    sqlite.close()
  }
}

const HUNDRED = 100n * 10n ** 18n

test('a stolen link URL: the attacker signs the victim\'s link with their own wallet and gets nothing', async () => {
  const victimAccount = accountOf(victim.id)
  const attackerAccount = accountOf(attacker.id)
  const link = await say(victim, '/link', /\/link\/([\w-]+)/)
  const token = /\/link\/([\w-]+)/.exec(link.text)![1]!

  // The URL leaked (a screenshot, a paste in a group): the attacker signs it with W2.
  expect(await signLink(base, token, attackerWallet)).toMatchObject({ status: 'merge_pending' })
  expect(accountOf(victim.id)).toBe(victimAccount)
  expect(accountOf(attacker.id)).toBe(attackerAccount)

  // The attacker approves on their side; the victim's account must approve too.
  const attackerAsk = await message(attacker, /asks to join your Gridshare account/)
  api.press(attacker, attackerAsk, 'Approve')
  expect((await say(attacker, '/balance', /Available/)).text).not.toContain('100 GRID')
  await say(attacker, '/withdraw 100', /./)
  expect(payoutsTo(attackerWallet.address)).toBe(0)

  // The victim is asked in plain words and says no; both sides are told.
  const victimAsk = await message(victim, new RegExp(`Wallet ${attackerWallet.address}, which belongs to another Gridshare account`))
  expect(victimAsk.text).toContain('@mallory')
  api.press(victim, victimAsk, 'Deny')
  await message(victim, /was denied; nothing changed/)
  await message(attacker, /was denied; nothing changed/)
  expect(accountOf(attacker.id)).toBe(attackerAccount)
  expect(balances()[`account:${victimAccount}:available`]).toBe(HUNDRED)
  expect(balances()[`account:${attackerAccount}:available`] ?? 0n).toBe(0n)
}, 60_000)

test('a phished signature: the victim signs the attacker\'s link with their wallet and the money stays put', async () => {
  const victimAccount = accountOf(victim.id)
  const attackerAccount = accountOf(attacker.id)
  const link = await say(attacker, '/link', /\/link\/([\w-]+)/)
  const token = /\/link\/([\w-]+)/.exec(link.text)![1]!

  // "Please sign to verify your wallet": the page names the attacker, but the victim signs anyway.
  const page = (await (await fetch(`${base}/api/v1/link/${token}?address=${victimWallet.address}`)).json()) as { identity: string; message: string }
  expect(page.identity).toContain('@mallory')
  expect(page.message).toContain('@mallory')
  expect(await signLink(base, token, victimWallet)).toMatchObject({ status: 'merge_pending' })

  // The attacker sees nothing of the victim's and can withdraw nothing.
  const attackerAsk = await message(attacker, new RegExp(`Wallet ${victimWallet.address}, which belongs to another Gridshare account`))
  api.press(attacker, attackerAsk, 'Approve')
  expect((await say(attacker, '/balance', /Available/)).text).not.toContain('100 GRID')
  await say(attacker, `/withdraw 100 ${victimWallet.address}`, /./)
  expect(payoutsTo(victimWallet.address)).toBe(0)

  const victimAsk = await message(victim, /@mallory.*asks to join your Gridshare account/s)
  api.press(victim, victimAsk, 'Deny')
  await message(attacker, /was denied; nothing changed/)
  expect(accountOf(victim.id)).toBe(victimAccount)
  expect(accountOf(attacker.id)).toBe(attackerAccount)
  expect(balances()[`account:${victimAccount}:available`]).toBe(HUNDRED)
}, 60_000)

test('the owner\'s own second chat account joins only on approval, exactly once, and withdrawals wait out the hold', async () => {
  const victimAccount = accountOf(victim.id)
  const second = api.user(5002, 'Victor2', { username: 'victor_alt', started: true })
  const link = await say(second, '/link', /\/link\/([\w-]+)/)
  const token = /\/link\/([\w-]+)/.exec(link.text)![1]!
  expect(await signLink(base, token, victimWallet)).toMatchObject({ status: 'merge_pending' })

  // Both sides approve: the new chat account where it signed, the wallet's account from its own chat.
  const confirm = await message(second, new RegExp(`Wallet ${victimWallet.address}, which belongs to another Gridshare account`))
  api.press(second, confirm, 'Approve')
  const ask = await message(victim, /@victor_alt.*asks to join your Gridshare account/s)
  expect(accountOf(second.id)).not.toBe(victimAccount)
  api.press(victim, ask, 'Approve')
  await message(victim, /joined this account/)
  expect(accountOf(second.id)).toBe(victimAccount)
  // A second press of the same buttons changes nothing.
  api.pressAsShown(victim, ask, 'Approve')
  expect((await say(second, '/balance', /Available/)).text).toContain('100 GRID')

  // The merge is a security change: withdrawals wait for the hold.
  const refused = await say(second, '/withdraw 10', /./)
  expect(refused.text).toMatch(/hold|wait/i)
  expect(payoutsTo(victimWallet.address)).toBe(0)
  expect(balances()[`account:${victimAccount}:available`]).toBe(HUNDRED)
}, 60_000)
