import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { erc20Abi, parseUnits, type Address } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import { createChainClients } from '../../src/chain/chainClients.ts'
import { TokenNotErc20Error } from '../../src/chain/chainErrors.ts'
import { DEV_MNEMONIC, devAccounts } from '../../src/chain/devAccounts.ts'
import { DEV_ACCOUNT_MINT, DEV_TREASURY_MINT, ensureDevChain } from '../../src/chain/ensureDevChain.ts'
import { getTokenInfo } from '../../src/chain/tokenInfo.ts'
import { startTestChain, type TestChain } from './testChain.ts'

let chain: TestChain
const balanceOf = (token: Address, account: Address) =>
  chain.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [account] })

beforeAll(async () => {
  chain = await startTestChain()
})
afterAll(() => chain.stop())

test('dev accounts are anvil\'s: the standard mnemonic, indexes 0..9', () => {
  expect(DEV_MNEMONIC).toBe('test test test test test test test test test test test junk')
  const accounts = devAccounts()
  expect(accounts).toHaveLength(10)
  expect(accounts[0]).toEqual({
    index: 0,
    address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
    privateKey: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  })
  expect(accounts[9]!.address).toBe('0xa0Ee7A142d267C1f36714E4a8F75612F20a79720')
})

test('first start deploys GridToken and Disperse and mints to the treasury and every dev account', async () => {
  const recordFile = join(chain.dataDir, 'first', 'devchain.json')
  const result = await ensureDevChain(chain, { recordFile })
  expect(result).toEqual({
    // Deterministic: the treasury's first two transactions on a fresh anvil.
    token: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    disperse: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
    symbol: 'GRID',
    decimals: 18,
    deployBlock: 1n,
    deployed: true,
  })
  expect(DEV_TREASURY_MINT).toBe(parseUnits('1000000', 18))
  expect(DEV_ACCOUNT_MINT).toBe(parseUnits('10000', 18))
  // The treasury is dev account 0 here, so it holds both mints.
  expect(await balanceOf(result.token, chain.treasury)).toBe(1_010_000n * 10n ** 18n)
  for (const { address } of devAccounts().slice(1)) {
    expect(await balanceOf(result.token, address)).toBe(10_000n * 10n ** 18n)
  }
  expect(await chain.publicClient.readContract({ address: result.token, abi: erc20Abi, functionName: 'totalSupply' })).toBe(1_100_000n * 10n ** 18n)
  expect(await chain.publicClient.readContract({ address: result.token, abi: erc20Abi, functionName: 'name' })).toBe('Gridshare Token')
  expect(JSON.parse(readFileSync(recordFile, 'utf8'))).toEqual({ chainId: 31337, token: result.token, disperse: result.disperse, deployBlock: '1' })

  // Second start: same contracts, nothing minted again.
  const blockBefore = await chain.publicClient.getBlockNumber({ cacheTime: 0 })
  const again = await ensureDevChain(chain, { recordFile })
  expect(again).toEqual({ ...result, deployed: false })
  expect(await chain.publicClient.getBlockNumber({ cacheTime: 0 })).toBe(blockBefore)
  expect(await chain.publicClient.readContract({ address: result.token, abi: erc20Abi, functionName: 'totalSupply' })).toBe(1_100_000n * 10n ** 18n)
})

test('redeploys when the recorded contracts are gone (the chain lost its state)', async () => {
  const recordFile = join(chain.dataDir, 'lost', 'devchain.json')
  const first = await ensureDevChain(chain, { recordFile })
  // Simulate a chain reset at the recorded addresses.
  await chain.testClient.setCode({ address: first.token, bytecode: '0x' })
  const second = await ensureDevChain(chain, { recordFile })
  expect(second.deployed).toBe(true)
  expect(second.token).not.toBe(first.token)
  expect(await balanceOf(second.token, devAccounts()[5]!.address)).toBe(10_000n * 10n ** 18n)
  expect(JSON.parse(readFileSync(recordFile, 'utf8')).token).toBe(second.token)
})

test('a corrupt record file is replaced by a fresh deploy', async () => {
  const recordFile = join(chain.dataDir, 'corrupt', 'devchain.json')
  await ensureDevChain(chain, { recordFile })
  rmSync(recordFile)
  expect(existsSync(recordFile)).toBe(false)
  const result = await ensureDevChain(chain, { recordFile })
  expect(result.deployed).toBe(true)
})

test('a treasury key without ETH (the operator\'s own) is funded with gas before deploying', async () => {
  const treasuryPrivateKey = generatePrivateKey()
  const own = await createChainClients({ rpcUrl: chain.anvil.rpcUrl, treasuryPrivateKey, pollingInterval: 50 })
  expect(await own.publicClient.getBalance({ address: own.treasury })).toBe(0n)
  const result = await ensureDevChain(own, { recordFile: join(chain.dataDir, 'own-key', 'devchain.json') })
  expect(result.deployed).toBe(true)
  expect(await balanceOf(result.token, own.treasury)).toBe(DEV_TREASURY_MINT)
})

test('getTokenInfo reads symbol and decimals', async () => {
  const { token } = await ensureDevChain(chain, { recordFile: join(chain.dataDir, 'info', 'devchain.json') })
  expect(await getTokenInfo(chain.publicClient, { address: token })).toEqual({ address: token, symbol: 'GRID', decimals: 18 })
})

test('error: TOKEN_ADDRESS without code', async () => {
  await expect(getTokenInfo(chain.publicClient, { address: devAccounts()[3]!.address })).rejects.toThrowErrorMatchingInlineSnapshot(`[TokenNotErc20Error: TOKEN_ADDRESS 0x90F79bf6EB2c4f870365E785982E1f101E93b906 on chain 31337 has no contract code; check TOKEN_ADDRESS and that RPC_URL is the right network.]`)
})

test('error: TOKEN_ADDRESS that is a contract but not an ERC-20', async () => {
  const { disperse } = await ensureDevChain(chain, { recordFile: join(chain.dataDir, 'info', 'devchain.json') })
  const error = await getTokenInfo(chain.publicClient, { address: disperse }).catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(TokenNotErc20Error)
  expect((error as Error).message.replace(disperse, '<disperse>')).toMatchInlineSnapshot(`"TOKEN_ADDRESS <disperse> on chain 31337 is a contract but not an ERC-20 with string symbol() and decimals() (The contract function "symbol" reverted.)."`)
})
