import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { erc20Abi, parseUnits } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { hashToken } from '../../src/identity/linkChallenges.ts'
import { available, system } from '../../src/ledger/balanceKeys.ts'
import { checkLedger } from '../../src/ledger/checkLedger.ts'
import { deployDevContracts, devWallet, startTestChain, type TestChain } from '../chain/testChain.ts'
import { createSecurityKit, T0 } from './securityKit.ts'

// Deposits a wallet sent to the treasury before anyone linked it wait as unclaimed;
// linking the wallet credits them to the linking account, exactly once, with one message.

let chain: TestChain
let dev: EnsureDevChainReturnType
const [, alice] = devAccounts(2).map((a) => privateKeyToAccount(a.privateKey))
const owner = { platform: 'telegram' as const, id: '100', name: '@owner' }

beforeAll(async () => {
  chain = await startTestChain()
  dev = await deployDevContracts(chain)
})
afterAll(() => chain?.stop())

describe('deposits sent before the wallet was linked', () => {
  async function deposit(from: number, amount: string) {
    const hash = await devWallet(chain, from).writeContract({ address: dev.token, abi: erc20Abi, functionName: 'transfer', args: [chain.treasury, parseUnits(amount, 18)] })
    return chain.publicClient.waitForTransactionReceipt({ hash })
  }

  /** The watcher starts past the deposits of the other tests on this chain. */
  function scanFromHere(k: ReturnType<typeof createSecurityKit>, block: bigint) {
    k.sqlite.prepare('update chain_cursors set block = ?').run(Number(block))
  }

  test('are claimed on linking: one posting each, the rows credited to the account, one message for the sum', async () => {
    const k = createSecurityKit(chain, dev)
    scanFromHere(k, await chain.publicClient.getBlockNumber({ cacheTime: 0 }))
    const first = await deposit(1, '1.25')
    const second = await deposit(1, '2')
    const fromBob = await deposit(2, '7')
    expect(await k.deposits.scan()).toMatchObject({ credited: 0, unclaimed: 3 })
    const { identityId, accountId } = k.identity(owner)
    const challenge = k.linking.createChallenge({ identityId, address: alice!.address })
    const outcome = await k.linking.verify({ token: challenge.token, signature: await alice!.signMessage({ message: challenge.message! }) })
    expect(outcome).toMatchObject({ status: 'linked', claimed: parseUnits('3.25', 18) })

    expect(k.ledger.balance(available(accountId))).toBe(parseUnits('3.25', 18))
    expect(k.ledger.balance(system('unclaimed_deposits'))).toBe(parseUnits('7', 18))
    const claims = k.sqlite
      .prepare("select t.idempotency_key as key, t.created_at as at, e.key as entry, e.amount from ledger_transactions t join ledger_entries e on e.transaction_id = t.id where t.kind = 'deposit.claim' order by e.id")
      .all()
    expect(claims).toEqual([
      { key: `deposit.claim:${first.transactionHash}:${first.logs[0]!.logIndex}`, at: T0, entry: system('unclaimed_deposits'), amount: String(-parseUnits('1.25', 18)) },
      { key: `deposit.claim:${first.transactionHash}:${first.logs[0]!.logIndex}`, at: T0, entry: available(accountId), amount: String(parseUnits('1.25', 18)) },
      { key: `deposit.claim:${second.transactionHash}:${second.logs[0]!.logIndex}`, at: T0, entry: system('unclaimed_deposits'), amount: String(-parseUnits('2', 18)) },
      { key: `deposit.claim:${second.transactionHash}:${second.logs[0]!.logIndex}`, at: T0, entry: available(accountId), amount: String(parseUnits('2', 18)) },
    ])
    expect(k.sqlite.prepare('select tx_hash as hash, status, account_id as accountId from deposits order by block_number').all()).toEqual([
      { hash: first.transactionHash, status: 'credited', accountId },
      { hash: second.transactionHash, status: 'credited', accountId },
      { hash: fromBob.transactionHash, status: 'unclaimed', accountId: null },
    ])
    const payments = k.sqlite.prepare("select dedupe_key as key, account_id as accountId, reply from notifications where topic = 'payments'").all() as { key: string; accountId: number; reply: string }[]
    expect(payments.map((p) => ({ ...p, reply: JSON.parse(p.reply).text }))).toEqual([
      {
        key: `deposit.claimed:${alice!.address}:${hashToken(challenge.token)}`,
        accountId,
        reply: `Deposits of 3.25 GRID sent from ${alice!.address} before you linked it are now in your balance.`,
      },
    ])
    expect(checkLedger(k.sqlite)).toEqual([])
  })

  test('a wallet that sent nothing claims nothing and gets no payments message', async () => {
    const k = createSecurityKit(chain, dev)
    scanFromHere(k, await chain.publicClient.getBlockNumber({ cacheTime: 0 }))
    await deposit(2, '1')
    expect(await k.deposits.scan()).toMatchObject({ unclaimed: 1 })
    const outcome = await k.link(owner, alice!)
    expect(outcome).toMatchObject({ status: 'linked', claimed: 0n })
    expect(k.sqlite.prepare("select count(*) as n from notifications where topic = 'payments'").get()).toEqual({ n: 0 })
    expect(k.sqlite.prepare("select count(*) as n from ledger_transactions where kind = 'deposit.claim'").get()).toEqual({ n: 0 })
  })
})
