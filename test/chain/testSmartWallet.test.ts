import { afterAll, beforeAll, expect, test } from 'vitest'
import { hashMessage, type Address } from 'viem'
import { createSiweMessage, generateSiweNonce } from 'viem/siwe'
import { testSmartWalletArtifact } from '../../src/chain/contractArtifacts.ts'
import { devWallet, startTestChain, type TestChain } from './testChain.ts'

let chain: TestChain
let wallet: Address
const ownerIndex = 3
const strangerIndex = 4

beforeAll(async () => {
  chain = await startTestChain()
  const owner = devWallet(chain, ownerIndex).account.address
  const hash = await chain.walletClient.deployContract({ ...testSmartWalletArtifact, args: [owner] })
  const { contractAddress } = await chain.publicClient.waitForTransactionReceipt({ hash })
  wallet = contractAddress!
})
afterAll(() => chain.stop())

function siweMessage(address: Address, nonce = generateSiweNonce()) {
  return createSiweMessage({
    address,
    chainId: 31337,
    domain: 'gridshare.example',
    nonce,
    uri: 'https://gridshare.example/link',
    version: '1',
    statement: 'Link this wallet to your Gridshare account.',
    issuedAt: new Date(),
  })
}

test('viem verifySiweMessage accepts a message for the contract wallet signed by its owner (EIP-1271)', async () => {
  const nonce = generateSiweNonce()
  const message = siweMessage(wallet, nonce)
  const signature = await devWallet(chain, ownerIndex).signMessage({ message })
  expect(await chain.publicClient.verifySiweMessage({ message, signature, address: wallet, domain: 'gridshare.example', nonce })).toBe(true)
  // What the verifier asks the wallet about is the EIP-191 hash of the text.
  expect(
    await chain.publicClient.readContract({ address: wallet, abi: testSmartWalletArtifact.abi, functionName: 'isValidSignature', args: [hashMessage(message), signature] }),
  ).toBe('0x1626ba7e')
})

test('rejects a signature by anyone but the owner', async () => {
  const message = siweMessage(wallet)
  const signature = await devWallet(chain, strangerIndex).signMessage({ message })
  expect(await chain.publicClient.verifySiweMessage({ message, signature, address: wallet })).toBe(false)
  expect(
    await chain.publicClient.readContract({ address: wallet, abi: testSmartWalletArtifact.abi, functionName: 'isValidSignature', args: [hashMessage(message), signature] }),
  ).toBe('0xffffffff')
})

test('rejects the owner\'s signature of a different message and a malformed signature', async () => {
  const message = siweMessage(wallet)
  const otherSignature = await devWallet(chain, ownerIndex).signMessage({ message: siweMessage(wallet) })
  expect(await chain.publicClient.verifySiweMessage({ message, signature: otherSignature, address: wallet })).toBe(false)
  expect(await chain.publicClient.verifySiweMessage({ message, signature: '0x1234', address: wallet })).toBe(false)
})

test('the owner signing for its own EOA address still verifies by ecrecover', async () => {
  const owner = devWallet(chain, ownerIndex)
  const message = siweMessage(owner.account.address)
  const signature = await owner.signMessage({ message })
  expect(await chain.publicClient.verifySiweMessage({ message, signature, address: owner.account.address })).toBe(true)
})
