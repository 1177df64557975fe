import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { erc20Abi, keccak256, toHex, type Address } from 'viem'
import { getTxOutcome } from '../../src/chain/getTxOutcome.ts'
import { sendTokenTransfer } from '../../src/chain/sendTokenTransfer.ts'
import { deployDevContracts, freshAddresses, startTestChain, type TestChain } from './testChain.ts'

let chain: TestChain
let token: Address

beforeAll(async () => {
  chain = await startTestChain()
  ;({ token } = await deployDevContracts(chain))
})
afterEach(() => chain.testClient.setAutomine(true))
afterAll(() => chain.stop())

const balanceOf = (account: Address) => chain.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [account] })
const nextNonce = () => chain.publicClient.getTransactionCount({ address: chain.treasury, blockTag: 'pending' })

test('sends with the given nonce without waiting; the outcome goes pending → confirmed as blocks are mined', async () => {
  const [recipient] = freshAddresses(1, 'send')
  const treasuryBefore = await balanceOf(chain.treasury)
  await chain.testClient.setAutomine(false)
  const nonce = await nextNonce()

  const txHash = await sendTokenTransfer(chain, { token, to: recipient!, value: 250n, nonce })
  expect((await chain.publicClient.getTransaction({ hash: txHash })).nonce).toBe(nonce)
  expect(await getTxOutcome(chain.publicClient, { txHash, confirmations: 2 })).toBe('pending')
  expect(await balanceOf(recipient!)).toBe(0n)

  await chain.testClient.mine({ blocks: 1 })
  expect(await getTxOutcome(chain.publicClient, { txHash, confirmations: 2 })).toBe('pending')
  expect(await getTxOutcome(chain.publicClient, { txHash, confirmations: 1 })).toBe('confirmed')
  await chain.testClient.mine({ blocks: 1 })
  expect(await getTxOutcome(chain.publicClient, { txHash, confirmations: 2 })).toBe('confirmed')

  expect(await balanceOf(recipient!)).toBe(250n)
  expect(await balanceOf(chain.treasury)).toBe(treasuryBefore - 250n)
})

test('a dropped transaction is unknown; resending with the same nonce pays exactly once', async () => {
  const [recipient] = freshAddresses(1, 'drop')
  await chain.testClient.setAutomine(false)
  const nonce = await nextNonce()
  const dropped = await sendTokenTransfer(chain, { token, to: recipient!, value: 70n, nonce })
  await chain.testClient.dropTransaction({ hash: dropped })

  expect(await getTxOutcome(chain.publicClient, { txHash: dropped, confirmations: 1 })).toBe('unknown')

  const resent = await sendTokenTransfer(chain, { token, to: recipient!, value: 70n, nonce })
  await chain.testClient.mine({ blocks: 1 })
  expect(await getTxOutcome(chain.publicClient, { txHash: resent, confirmations: 1 })).toBe('confirmed')
  expect(await balanceOf(recipient!)).toBe(70n)

  // The nonce is spent now: a third send cannot pay again.
  await expect(sendTokenTransfer(chain, { token, to: recipient!, value: 70n, nonce })).rejects.toThrow(/nonce/i)
  await chain.testClient.mine({ blocks: 1 })
  expect(await balanceOf(recipient!)).toBe(70n)
})

test('a hash the node never saw is unknown', async () => {
  expect(await getTxOutcome(chain.publicClient, { txHash: keccak256(toHex('never sent')), confirmations: 1 })).toBe('unknown')
})

test('a mined transaction that reverted is reported as reverted, and its nonce as used by no transfer', async () => {
  const [recipient] = freshAddresses(1, 'revert')
  const nonce = await nextNonce()
  // An explicit gas limit skips estimation, which would refuse to send a transfer of more than the balance.
  const txHash = await chain.walletClient.writeContract({
    address: token,
    abi: erc20Abi,
    functionName: 'transfer',
    args: [recipient!, (await balanceOf(chain.treasury)) + 1n],
    nonce,
    gas: 100_000n,
  })
  expect((await chain.publicClient.waitForTransactionReceipt({ hash: txHash })).status).toBe('reverted')
  expect(await getTxOutcome(chain.publicClient, { txHash, confirmations: 1 })).toBe('reverted')
})

test('error: a payout larger than the treasury balance is refused before anything is sent', async () => {
  const [recipient] = freshAddresses(1, 'too-much')
  const nonce = await nextNonce()
  const available = await balanceOf(chain.treasury)
  const error = await sendTokenTransfer(chain, { token, to: recipient!, value: available + 1n, nonce }).catch((caught: unknown) => caught)
  expect((error as Error).message.replace(String(available), '<available>').replace(String(available + 1n), '<needed>')).toMatchInlineSnapshot(`"Treasury 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 holds <available> base units of token 0x5FbDB2315678afecb367f032d93F642f64180aa3 but this payout needs <needed>. Top up the treasury; nothing was sent."`)
  expect(await nextNonce()).toBe(nonce)
})
