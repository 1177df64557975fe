import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createPublicClient, http, parseEther } from 'viem'
import { AnvilStartError } from '../../src/chain/chainErrors.ts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import { readTokenTransfers } from '../../src/chain/readTokenTransfers.ts'
import { sendTokenTransfer } from '../../src/chain/sendTokenTransfer.ts'
import { startAnvil } from '../../src/chain/startAnvil.ts'
import { deployDevContracts, startTestChain } from './testChain.ts'

let dataDir: string

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'gridshare-anvil-'))
})
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

test('starts on a free port with chain id 31337 and the standard dev accounts funded', async () => {
  const anvil = await startAnvil()
  try {
    expect(anvil.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(anvil.chainId).toBe(31337)
    const client = createPublicClient({ transport: http(anvil.rpcUrl) })
    expect(await client.getChainId()).toBe(31337)
    expect(await client.getBalance({ address: devAccounts(1)[0]!.address })).toBe(parseEther('10000'))
  } finally {
    await anvil.stop()
  }
  // Stopped means gone, and stopping twice is harmless.
  await expect(createPublicClient({ transport: http(anvil.rpcUrl, { retryCount: 0 }) }).getChainId()).rejects.toThrow()
  await anvil.stop()
})

test('a restart with the same state file keeps balances, nonces and Transfer logs', async () => {
  const stateFile = join(dataDir, 'state', 'anvil.json')
  const chain = await startTestChain({ stateFile, dataDir })
  const { token, deployBlock } = await deployDevContracts(chain)
  const recipient = devAccounts(2)[1]!.address
  const nonce = await chain.publicClient.getTransactionCount({ address: chain.treasury })
  const txHash = await sendTokenTransfer(chain, { token, to: recipient, value: 123n, nonce })
  await chain.publicClient.waitForTransactionReceipt({ hash: txHash })
  const before = await readTokenTransfers(chain.publicClient, { token, to: recipient, fromBlock: deployBlock, toBlock: await chain.publicClient.getBlockNumber() })
  // Stopped right away, long before the 1 s dump interval: only the dump on SIGTERM can have saved this.
  await chain.stop()

  const restarted = await startTestChain({ stateFile, dataDir })
  try {
    const again = await deployDevContracts(restarted)
    expect(again).toMatchObject({ token, deployed: false })
    const balance = await restarted.publicClient.readContract({
      address: token, abi: [{ type: 'function', name: 'balanceOf', stateMutability: 'view', inputs: [{ type: 'address' }], outputs: [{ type: 'uint256' }] }],
      functionName: 'balanceOf', args: [recipient],
    })
    expect(balance).toBe(10_000n * 10n ** 18n + 123n)
    expect(await restarted.publicClient.getTransactionCount({ address: chain.treasury })).toBe(nonce + 1)
    const after = await readTokenTransfers(restarted.publicClient, { token, to: recipient, fromBlock: deployBlock, toBlock: await restarted.publicClient.getBlockNumber() })
    expect(after).toEqual(before)
    expect(after.map(({ value }) => value)).toEqual([10_000n * 10n ** 18n, 123n])
  } finally {
    await restarted.stop()
  }
})

test('error: a missing binary is reported with its path', async () => {
  await expect(startAnvil({ binaryPath: '/nonexistent/anvil' })).rejects.toThrowErrorMatchingInlineSnapshot(`[AnvilStartError: The embedded dev chain (anvil) did not start: cannot run /nonexistent/anvil: spawn /nonexistent/anvil ENOENT.]`)
})

test('error: anvil exiting at start-up is reported with what it printed', async () => {
  const error = await startAnvil({ blockTime: -1 }).catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(AnvilStartError)
  expect((error as AnvilStartError).message).toMatchInlineSnapshot(`
    "The embedded dev chain (anvil) did not start: anvil exited with code 2 before answering.
    anvil said:
    error: unexpected argument '-1' found
    Usage: anvil [OPTIONS] [COMMAND]
    For more information, try '--help'."
  `)
})
