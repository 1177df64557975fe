import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { erc20Abi, parseUnits, type Hash } from 'viem'
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import type { Reply } from '../../src/command/reply.ts'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { renderTelegramReply } from '../../src/chat/telegram/renderTelegramReply.ts'
import type { RecordedCall } from '../chat/telegram/LocalBotApi.ts'
import { checkInvariants } from '../../scripts/soak/checkInvariants.ts'
import { deployDevContracts, devWallet, freshAddresses, startTestChain, type TestChain } from '../chain/testChain.ts'
import { INTERRUPTED_SEND } from '../../src/notify/Notifier.ts'

let chain: TestChain
let dev: EnsureDevChainReturnType
let database: ReturnType<typeof openDatabase>
let snapshot: `0x${string}`
const [payee] = freshAddresses(1, 'soak-check')
const GRID = (amount: string) => parseUnits(amount, 18)
// The test chain's treasury is dev account 0, which is also minted a dev account's 10,000.
const notice: Reply = { title: 'Payout confirmed', text: 'Your withdrawal w1 of 5 GRID is confirmed.' }
const noticeHtml = renderTelegramReply(notice).parts[0]!
let calls: RecordedCall[]

const send = async (from: number, to: `0x${string}`, amount: bigint): Promise<Hash> => {
  const hash = await devWallet(chain, from).writeContract({ address: dev.token, abi: erc20Abi, functionName: 'transfer', args: [to, amount] })
  await chain.publicClient.waitForTransactionReceipt({ hash })
  return hash
}
const sendMessage = (chatId: number, text: string): RecordedCall => ({ seq: 0, method: 'sendMessage', payload: { chat_id: chatId, text }, receivedAt: 0, ok: true })
const check = () =>
  checkInvariants({
    sqlite: database.sqlite,
    publicClient: chain.publicClient,
    token: dev.token,
    treasury: chain.treasury,
    deployBlock: dev.deployBlock,
    botCalls: calls,
    readReply: (stored) => JSON.parse(stored) as Reply,
    now: Date.now(),
  })

/** A sound soak's end state: one deposit and one withdrawal, both on chain and
 *  in the tables, and one notification delivered once. */
beforeAll(async () => {
  chain = await startTestChain()
  dev = await deployDevContracts(chain)
  database = openDatabase(join(mkdtempSync(join(tmpdir(), 'gs-soak-check-')), 'gridshare.db'))
  const { sqlite } = database
  const deposit = await send(3, chain.treasury, GRID('40'))
  const receipt = await chain.publicClient.getTransactionReceipt({ hash: deposit })
  sqlite
    .prepare(`insert into deposits (tx_hash, log_index, block_number, block_hash, from_address, amount, status, account_id, credited_at) values (?, ?, ?, ?, ?, ?, 'credited', 1, 1)`)
    .run(deposit, receipt.logs[0]!.logIndex, Number(receipt.blockNumber), receipt.blockHash, devWallet(chain, 3).account.address, GRID('40').toString())
  const payout = await send(0, payee!, GRID('5'))
  sqlite
    .prepare(`insert into payouts (id, kind, account_id, to_address, amount, status, tx_hash, nonce, created_at) values ('w1', 'withdrawal', 1, ?, ?, 'confirmed', ?, 99, 1)`)
    .run(payee, GRID('5').toString(), payout)
  const { lastInsertRowid } = sqlite
    .prepare(`insert into notifications (dedupe_key, account_id, topic, reply, created_at, fanned_out_at) values ('payout:w1', 1, 'payments', ?, 1, 1)`)
    .run(JSON.stringify(notice))
  sqlite
    .prepare(`insert into deliveries (notification_id, platform, destination, kind, status, attempts, next_attempt_at, sent_at) values (?, 'telegram', '600001', 'dm', 'sent', 1, 1, 1)`)
    .run(lastInsertRowid)
}, 60_000)

afterAll(async () => {
  database?.close()
  await chain?.stop()
})

// Each test adds one fault to the sound state; both the chain and the file go back after it.
beforeEach(async () => {
  calls = [sendMessage(600001, noticeHtml), sendMessage(600001, 'Your balance: 35 GRID')]
  snapshot = await chain.testClient.snapshot()
  database.sqlite.exec('begin')
})
afterEach(async () => {
  database.sqlite.exec('rollback')
  await chain.testClient.revert({ id: snapshot })
})

test('a sound end state has no violations', async () => {
  const report = await check()
  expect(report.violations).toEqual([])
  expect(report.figures['payouts confirmed']).toBe(`1 of 1 (${GRID('5')})`)
})

test('violation: a payout sent twice on chain', async () => {
  const again = await send(0, payee!, GRID('5'))
  const report = await check()
  expect(report.violations).toEqual([
    `Transfer ${again}:0 of ${GRID('5')} from the treasury to ${payee} matches no confirmed payout (sent twice, or sent and forgotten)`,
    `the treasury holds ${GRID('1010030')} on chain, but minted ${GRID('1010000')} + deposits ${GRID('40')} − confirmed payouts ${GRID('5')} = ${GRID('1010035')}`,
  ])
})

test('violation: a deposit credited that never reached the chain', async () => {
  database.sqlite
    .prepare(`insert into deposits (tx_hash, log_index, block_number, block_hash, from_address, amount, status, account_id, credited_at) values ('0xfeed', 0, 1, '0x00', '0x0000000000000000000000000000000000000001', '7', 'credited', 1, 1)`)
    .run()
  const report = await check()
  expect(report.violations).toEqual([
    'deposit 0xfeed:0 (7, credited) is recorded but no such Transfer to the treasury is on chain',
    `the treasury holds ${GRID('1010035')} on chain, but minted ${GRID('1010000')} + deposits ${GRID('40') + 7n} − confirmed payouts ${GRID('5')} = ${GRID('1010035') + 7n}`,
  ])
})

test('violation: a notification delivered twice, and one never delivered', async () => {
  calls.push(sendMessage(600001, noticeHtml))
  database.sqlite.prepare(`insert into deliveries (notification_id, platform, destination, kind, status, attempts, next_attempt_at) values (1, 'telegram', '600002', 'dm', 'sending', 1, 1)`).run()
  const report = await check()
  expect(report.violations).toEqual([
    'delivery 2 to telegram:600002 is still sending after the drain',
    'telegram:600001 got "<b>Payout confirmed</b>\nYour withdrawal w1 of 5 GRID is confirmed." 2 times; the outbox has 1 deliveries of it (delivered twice)',
  ])
})

test('a second copy of a delivery the product resent after a crash caught it mid-send is counted, not a violation', async () => {
  calls.push(sendMessage(600001, noticeHtml))
  database.sqlite.prepare('update deliveries set attempts = 2, last_error = ? where id = 1').run(INTERRUPTED_SEND)
  const report = await check()
  expect(report.violations).toEqual([])
  expect(report.figures['sent again after a crash mid-send (at least once)']).toBe('1')
})

test('violation: a rental still running an hour after its end', async () => {
  // No node row: the foreign key is only checked at a commit, and this test rolls back.
  database.sqlite.pragma('defer_foreign_keys = ON')
  const endsAt = Date.now() - 3600_000
  database.sqlite
    .prepare(`insert into rentals (id, account_id, node_id, model, gpu_count, hours, price_per_gpu_hour, escrowed, status, created_at, claim_by, ends_at, access_secret_sealed) values ('r1abc', 1, 'n1', 'H100-80GB', 1, 1, '1', '1', 'running', 1, 1, ?, 'x')`)
    .run(endsAt)
  const report = await check()
  expect(report.violations).toEqual([`rental r1abc is still running though it ended at ${new Date(endsAt).toISOString()}`])
})
