import { afterAll, beforeAll, expect, test } from 'vitest'
import { erc20Abi, parseAbi, parseUnits, type Hash } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { available, system } from '../../src/ledger/balanceKeys.ts'
import { createMoneyHarness } from '../support/moneyHarness.ts'
import { deployDevContracts, devWallet, startTestChain, type TestChain } from './testChain.ts'

// What a scan writes, exactly, and what it must never take for a deposit: a mint
// to the treasury and the treasury paying itself move no member's money.
let chain: TestChain
let dev: EnsureDevChainReturnType
const [carol, dave] = devAccounts(5).slice(3).map((a) => privateKeyToAccount(a.privateKey))
const carolUser = { platform: 'telegram' as const, id: '333', name: 'carol' }

beforeAll(async () => {
  chain = await startTestChain()
  dev = await deployDevContracts(chain)
})
afterAll(() => chain?.stop())

const head = () => chain.publicClient.getBlockNumber({ cacheTime: 0 })
const mined = (hash: Hash) => chain.publicClient.waitForTransactionReceipt({ hash })
const send = async (index: number, amount: string) =>
  mined(await devWallet(chain, index).writeContract({ address: dev.token, abi: erc20Abi, functionName: 'transfer', args: [chain.treasury, parseUnits(amount, 18)] }))

test('one scan: the linked wallet credited, the unknown one held, a mint and a self-transfer ignored; every row, posting and message exact', async () => {
  const h = createMoneyHarness(chain, dev, { scanFrom: await head() })
  const { identityId } = h.identity(carolUser)
  const challenge = h.linking.createChallenge({ identityId, address: carol!.address })
  const { accountId } = await h.linking.verifyLatest({ identityId, signature: await carol!.signMessage({ message: challenge.message! }) })

  const fromCarol = await send(3, '25')
  const fromDave = await send(4, '1.5')
  await mined(await chain.walletClient.writeContract({ address: dev.token, abi: parseAbi(['function mint(address to, uint256 value)']), functionName: 'mint', args: [chain.treasury, parseUnits('7', 18)] }))
  await mined(await chain.walletClient.writeContract({ address: dev.token, abi: erc20Abi, functionName: 'transfer', args: [chain.treasury, parseUnits('2', 18)] }))
  const top = await head()

  expect(await h.deposits.scan()).toEqual({ credited: 1, unclaimed: 1, toBlock: top })
  expect(h.sqlite.prepare('select tx_hash as tx, log_index as log, block_number as block, from_address as sender, amount, status, account_id as accountId from deposits order by block_number').all()).toEqual([
    { tx: fromCarol.transactionHash, log: 0, block: Number(fromCarol.blockNumber), sender: carol!.address, amount: parseUnits('25', 18).toString(), status: 'credited', accountId },
    { tx: fromDave.transactionHash, log: 0, block: Number(fromDave.blockNumber), sender: dave!.address, amount: parseUnits('1.5', 18).toString(), status: 'unclaimed', accountId: null },
  ])
  const postings = h.sqlite
    .prepare("select t.kind, t.idempotency_key as key, e.key as balance, e.amount from ledger_transactions t join ledger_entries e on e.transaction_id = t.id where t.kind like 'deposit%' order by t.id, e.id")
    .all()
  expect(postings).toEqual([
    { kind: 'deposit', key: `deposit:${fromCarol.transactionHash}:0`, balance: system('treasury'), amount: (-parseUnits('25', 18)).toString() },
    { kind: 'deposit', key: `deposit:${fromCarol.transactionHash}:0`, balance: available(accountId), amount: parseUnits('25', 18).toString() },
    { kind: 'deposit.unclaimed', key: `deposit:${fromDave.transactionHash}:0`, balance: system('treasury'), amount: (-parseUnits('1.5', 18)).toString() },
    { kind: 'deposit.unclaimed', key: `deposit:${fromDave.transactionHash}:0`, balance: system('unclaimed_deposits'), amount: parseUnits('1.5', 18).toString() },
  ])
  const messages = h.sqlite.prepare("select dedupe_key as key, account_id as accountId, topic, reply from notifications where topic = 'payments'").all() as { key: string; accountId: number; topic: string; reply: string }[]
  expect(messages.map((m) => ({ ...m, reply: JSON.parse(m.reply) }))).toEqual([
    { key: `deposit:${fromCarol.transactionHash}:0`, accountId, topic: 'payments', reply: { text: `Deposit of 25 GRID from ${carol!.address} credited. Tx ${fromCarol.transactionHash}` } },
  ])

  // Nothing new on the chain: no range to read, and the cursor stays.
  expect(await h.deposits.scan()).toEqual({ credited: 0, unclaimed: 0, toBlock: null })
  expect(h.sqlite.prepare("select block from chain_cursors where name = 'deposits'").get()).toEqual({ block: Number(top) })

  // The same blocks read again (a cursor put back by hand): nothing is credited or counted twice.
  h.sqlite.prepare("update chain_cursors set block = ? where name = 'deposits'").run(Number(fromCarol.blockNumber) - 1)
  expect(await h.deposits.scan()).toEqual({ credited: 0, unclaimed: 0, toBlock: top })
  expect(h.sqlite.prepare('select count(*) as n from deposits').get()).toEqual({ n: 2 })
  expect(h.ledger.balancesOf(accountId).available).toBe(parseUnits('25', 18))
  expect(h.sqlite.prepare("select count(*) as n from notifications where topic = 'payments'").get()).toEqual({ n: 1 })
})
