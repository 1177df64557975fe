import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { erc20Abi, parseUnits } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { system } from '../../src/ledger/balanceKeys.ts'
import { checkLedger } from '../../src/ledger/checkLedger.ts'
import { createMoneyHarness } from '../support/moneyHarness.ts'
import { deployDevContracts, devWallet, startTestChain, type TestChain } from './testChain.ts'

let chain: TestChain
let dev: EnsureDevChainReturnType
const carol = privateKeyToAccount(devAccounts(4)[3]!.privateKey)
const carolUser = { platform: 'telegram' as const, id: '333', name: 'carol' }

beforeAll(async () => {
  chain = await startTestChain()
  dev = await deployDevContracts(chain)
})
afterAll(() => chain?.stop())

const head = () => chain.publicClient.getBlockNumber({ cacheTime: 0 })

async function deposit(amount: string) {
  const hash = await devWallet(chain, 3).writeContract({
    address: dev.token,
    abi: erc20Abi,
    functionName: 'transfer',
    args: [chain.treasury, parseUnits(amount, 18)],
  })
  return chain.publicClient.waitForTransactionReceipt({ hash })
}

async function linkCarol(h: ReturnType<typeof createMoneyHarness>) {
  const { identityId } = h.identity(carolUser)
  const challenge = h.linking.createChallenge({ identityId, address: carol.address })
  return h.linking.verifyLatest({ identityId, signature: await carol.signMessage({ message: challenge.message! }) })
}

describe('deposit watcher', () => {
  test('credits a deposit once, only after the confirmations, and tells the user', async () => {
    const h = createMoneyHarness(chain, dev, { confirmations: 2, scanFrom: await head() })
    const { accountId } = await linkCarol(h)
    await deposit('25')
    expect(await h.deposits.scan()).toMatchObject({ credited: 0 })
    await chain.testClient.mine({ blocks: 1 })
    expect(await h.deposits.scan()).toMatchObject({ credited: 0 })
    await chain.testClient.mine({ blocks: 1 })
    expect(await h.deposits.scan()).toMatchObject({ credited: 1 })
    expect(await h.deposits.scan()).toMatchObject({ credited: 0 })
    expect(h.ledger.balancesOf(accountId).available).toBe(parseUnits('25', 18))
    expect(h.sqlite.prepare("select topic, account_id as accountId from notifications where topic != 'security'").all()).toEqual([{ topic: 'payments', accountId }])
    expect(checkLedger(h.sqlite)).toEqual([])
  })

  test('a deposit made before linking is held, then credited when the wallet links', async () => {
    const h = createMoneyHarness(chain, dev, { scanFrom: await head() })
    await deposit('3.5')
    expect(await h.deposits.scan()).toMatchObject({ credited: 0, unclaimed: 1 })
    expect(h.ledger.balance(system('unclaimed_deposits'))).toBe(parseUnits('3.5', 18))
    const outcome = await linkCarol(h)
    expect(outcome.claimed).toBe(parseUnits('3.5', 18))
    expect(h.ledger.balancesOf(outcome.accountId).available).toBe(parseUnits('3.5', 18))
    expect(h.ledger.balance(system('unclaimed_deposits'))).toBe(0n)
    expect(checkLedger(h.sqlite)).toEqual([])
  })

  test('a reorg before confirmation drops the transfer without crediting it', async () => {
    const h = createMoneyHarness(chain, dev, { confirmations: 2, scanFrom: await head() })
    const { accountId } = await linkCarol(h)
    const snapshot = await chain.testClient.snapshot()
    await deposit('9')
    await chain.testClient.mine({ blocks: 1 })
    expect(await h.deposits.scan()).toMatchObject({ credited: 0 })
    await chain.testClient.revert({ id: snapshot })
    await chain.testClient.mine({ blocks: 3 })
    expect(await h.deposits.scan()).toMatchObject({ credited: 0 })
    expect(h.ledger.balancesOf(accountId).available).toBe(0n)
    expect(checkLedger(h.sqlite)).toEqual([])
  })
})
