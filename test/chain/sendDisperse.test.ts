import { afterAll, beforeAll, expect, test } from 'vitest'
import { erc20Abi, maxUint256, type Address } from 'viem'
import { TreasuryBalanceTooLowError } from '../../src/chain/chainErrors.ts'
import { getTxOutcome } from '../../src/chain/getTxOutcome.ts'
import { readTokenTransfers } from '../../src/chain/readTokenTransfers.ts'
import { sendDisperse } from '../../src/chain/sendDisperse.ts'
import { sendTokenTransfer } from '../../src/chain/sendTokenTransfer.ts'
import { deployDevContracts, freshAddresses, startTestChain, type TestChain } from './testChain.ts'

let chain: TestChain
let token: Address
let disperse: Address

beforeAll(async () => {
  chain = await startTestChain()
  ;({ token, disperse } = await deployDevContracts(chain))
})
afterAll(() => chain.stop())

const balanceOf = (account: Address) => chain.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [account] })
const nextNonce = () => chain.publicClient.getTransactionCount({ address: chain.treasury, blockTag: 'pending' })

test('pays 50 recipients in one transaction, approving Disperse once, for less gas per recipient than single transfers', async () => {
  const recipients = freshAddresses(50, 'disperse')
  const payouts = recipients.map((to, index) => ({ to, value: BigInt(index + 1) * 10n ** 15n }))
  const total = payouts.reduce((sum, { value }) => sum + value, 0n)
  const treasuryBefore = await balanceOf(chain.treasury)
  const nonce = await nextNonce()

  const sent = await sendDisperse(chain, { token, disperse, payouts, nonce })
  expect(sent).toEqual({ txHash: expect.any(String), nonce: nonce + 1, approveTxHash: expect.any(String), nextNonce: nonce + 2 })
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: sent.txHash })
  expect(receipt.status).toBe('success')
  expect(await getTxOutcome(chain.publicClient, { txHash: sent.txHash, confirmations: 1 })).toBe('confirmed')
  expect(await chain.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'allowance', args: [chain.treasury, disperse] })).toBe(maxUint256)

  for (const { to, value } of payouts) expect(await balanceOf(to)).toBe(value)
  expect(await balanceOf(chain.treasury)).toBe(treasuryBefore - total)
  const logged = await readTokenTransfers(chain.publicClient, { token, from: chain.treasury, fromBlock: receipt.blockNumber, toBlock: receipt.blockNumber })
  expect(logged.map(({ to, value, logIndex }) => ({ to, value, logIndex }))).toEqual(payouts.map((payout, logIndex) => ({ ...payout, logIndex })))

  // Same kind of payout (fresh recipient, nonzero amount) sent on its own.
  const [single] = freshAddresses(1, 'single')
  const singleHash = await sendTokenTransfer(chain, { token, to: single!, value: 10n ** 15n, nonce: sent.nextNonce })
  const singleGas = (await chain.publicClient.waitForTransactionReceipt({ hash: singleHash })).gasUsed
  const perRecipient = receipt.gasUsed / 50n
  console.info(`gas: disperse of 50 = ${receipt.gasUsed} (${perRecipient} per recipient), single transfer = ${singleGas}`)
  expect(perRecipient).toBeLessThan(singleGas)
  // 21,000 base cost paid once instead of 50 times is most of the saving.
  expect(singleGas - perRecipient).toBeGreaterThan(15_000n)
})

test('a second batch reuses the approval and uses the given nonce', async () => {
  const payouts = freshAddresses(3, 'second').map((to) => ({ to, value: 5n }))
  const nonce = await nextNonce()
  const sent = await sendDisperse(chain, { token, disperse, payouts, nonce })
  expect(sent).toEqual({ txHash: expect.any(String), nonce, approveTxHash: undefined, nextNonce: nonce + 1 })
  expect((await chain.publicClient.getTransaction({ hash: sent.txHash })).nonce).toBe(nonce)
  await chain.publicClient.waitForTransactionReceipt({ hash: sent.txHash })
  for (const { to } of payouts) expect(await balanceOf(to)).toBe(5n)
})

test('error: a batch larger than the treasury balance is refused before anything is sent', async () => {
  const available = await balanceOf(chain.treasury)
  const nonce = await nextNonce()
  const payouts = freshAddresses(2, 'too-much').map((to) => ({ to, value: available / 2n + 1n }))
  const error = await sendDisperse(chain, { token, disperse, payouts, nonce }).catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(TreasuryBalanceTooLowError)
  expect(error).toMatchObject({ needed: 2n * (available / 2n + 1n), available })
  expect(await nextNonce()).toBe(nonce)
})
