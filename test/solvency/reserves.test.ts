import { randomBytes } from 'node:crypto'
import { pino } from 'pino'
import { erc20Abi, parseUnits, type Hash } from 'viem'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { available, system } from '../../src/ledger/balanceKeys.ts'
import { Solvency } from '../../src/solvency/Solvency.ts'
import { deployDevContracts, freshAddresses, startTestChain, type TestChain } from '../chain/testChain.ts'
import { createMoneyHarness } from '../support/moneyHarness.ts'

let chain: TestChain
let dev: EnsureDevChainReturnType

beforeAll(async () => {
  chain = await startTestChain()
  dev = await deployDevContracts(chain)
}, 60_000)
afterAll(() => chain?.stop())

test('a submitted payout already mined counts as reserves in flight until it is confirmed; an unmined one does not', async () => {
  const h = createMoneyHarness(chain, dev)
  const solvency = new Solvency({ db: h.db, publicClient: chain.publicClient, token: dev.token, treasury: chain.treasury, units: h.units, clock: Date.now, randomBytes, logger: pino({ level: 'silent' }), publicUrl: 'http://localhost:8787', adminIds: [] })
  const { accountId } = h.identity({ platform: 'discord', id: '7', name: 'erin' })
  const funded = parseUnits('50', 18)
  h.ledger.post({ kind: 'test.fund', idempotencyKey: 'fund', entries: [{ key: system('treasury'), amount: -funded }, { key: available(accountId), amount: funded }], now: 1 })
  const [to] = freshAddresses(1, 'reserves-test')
  const sent = parseUnits('10', 18)
  const unsent = parseUnits('5', 18)
  // The treasury's transfer is mined, but the payout row still says submitted (confirmation not yet seen).
  const hash = await chain.walletClient.writeContract({ address: dev.token, abi: erc20Abi, functionName: 'transfer', args: [to!, sent] })
  await chain.publicClient.waitForTransactionReceipt({ hash })
  const payout = h.sqlite.prepare("insert into payouts (id, kind, account_id, to_address, amount, status, tx_hash, created_at) values (?, 'withdrawal', ?, ?, ?, 'submitted', ?, 1)")
  payout.run('w1', accountId, to, sent.toString(), hash)
  payout.run('w2', accountId, to, unsent.toString(), `0x${'ab'.repeat(32)}` as Hash)
  h.ledger.post({ kind: 'test.withdraw', idempotencyKey: 'withdraw', entries: [{ key: available(accountId), amount: -(sent + unsent) }, { key: system('payouts_pending'), amount: sent + unsent }], now: 1 })

  const reading = await solvency.refreshReserves()
  const held = await chain.publicClient.readContract({ address: dev.token, abi: erc20Abi, functionName: 'balanceOf', args: [chain.treasury], blockNumber: reading.blockNumber })
  expect(reading).toEqual({ blockNumber: await chain.publicClient.getBlockNumber({ cacheTime: 0 }), treasuryBalance: held, minedPayouts: new Map([['w1', sent]]) })
  const first = solvency.record(reading)
  expect(first).toMatchObject({ totalLiabilities: funded.toString(), treasuryBalance: held.toString(), inFlight: sent.toString(), reserves: (held + sent).toString() })

  // Confirmed between the read and the record: no longer owed, and no longer in flight.
  h.sqlite.prepare("update payouts set status = 'confirmed' where id = 'w1'").run()
  h.ledger.post({ kind: 'test.confirm', idempotencyKey: 'confirm', entries: [{ key: system('payouts_pending'), amount: -sent }, { key: system('treasury'), amount: sent }], now: 1 })
  expect(solvency.record(reading)).toMatchObject({ number: 2, totalLiabilities: (funded - sent).toString(), inFlight: '0', reserves: held.toString() })
  h.close()
}, 60_000)
