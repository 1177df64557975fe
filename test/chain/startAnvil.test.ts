import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createPublicClient, createTestClient, http, parseEther } from 'viem'
import { AnvilStartError } from '../../src/chain/chainErrors.ts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import { readTokenTransfers } from '../../src/chain/readTokenTransfers.ts'
import { sendTokenTransfer } from '../../src/chain/sendTokenTransfer.ts'
import { startAnvil } from '../../src/chain/startAnvil.ts'
import { deployDevContracts, startTestChain } from './testChain.ts'
import { processAlive } from '../../src/process/processIdentity.ts'

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
  // An hour between periodic dumps: only the dump on stop can save this run.
  const chain = await startTestChain({ stateFile, stateIntervalSeconds: 3600, dataDir })
  const { token, deployBlock } = await deployDevContracts(chain)
  const recipient = devAccounts(2)[1]!.address
  const nonce = await chain.publicClient.getTransactionCount({ address: chain.treasury })
  const txHash = await sendTokenTransfer(chain, { token, to: recipient, value: 123n, nonce })
  await chain.publicClient.waitForTransactionReceipt({ hash: txHash })
  const before = await readTokenTransfers(chain.publicClient, { token, to: recipient, fromBlock: deployBlock, toBlock: await chain.publicClient.getBlockNumber() })
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
    // State at a block before the restart still answers: voting power is read at a proposal's snapshot block.
    const beforeTransfer = await restarted.publicClient.readContract({
      address: token, abi: [{ type: 'function', name: 'balanceOf', stateMutability: 'view', inputs: [{ type: 'address' }], outputs: [{ type: 'uint256' }] }],
      functionName: 'balanceOf', args: [recipient], blockNumber: before.at(-1)!.blockNumber - 1n,
    })
    expect(beforeTransfer).toBe(10_000n * 10n ** 18n)
  } finally {
    await restarted.stop()
  }
})

test('an unreadable state file (a dump cut short) is set aside and a fresh chain starts', async () => {
  const stateFile = join(dataDir, 'broken', 'anvil.json')
  mkdirSync(dirname(stateFile), { recursive: true })
  writeFileSync(stateFile, '{"block": {')
  const warnings: object[] = []
  const logger = { debug: () => {}, warn: (obj: object) => warnings.push(obj), isLevelEnabled: () => false }
  const anvil = await startAnvil({ stateFile, logger })
  try {
    expect(await createPublicClient({ transport: http(anvil.rpcUrl) }).getBlockNumber()).toBe(0n)
  } finally {
    await anvil.stop()
  }
  const [movedAside] = readdirSync(dirname(stateFile)).filter((file) => file.startsWith('anvil.json.unreadable-'))
  expect(readFileSync(join(dirname(stateFile), movedAside!), 'utf8')).toBe('{"block": {')
  expect(warnings).toEqual([{ stateFile, movedTo: join(dirname(stateFile), movedAside!) }])
  // anvil dumped the fresh chain on stop.
  expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toHaveProperty('block')
})

test('a debug logger gets anvil\'s request log but never the banner with the dev private keys', async () => {
  const lines: string[] = []
  const logger = {
    debug: (obj: object) => lines.push(JSON.stringify(obj)),
    warn: (obj: object) => lines.push(JSON.stringify(obj)),
    isLevelEnabled: (level: string) => level === 'debug',
  }
  const anvil = await startAnvil({ logger })
  await createPublicClient({ transport: http(anvil.rpcUrl) }).getBlockNumber()
  await anvil.stop()
  expect(lines).toContain(JSON.stringify({ anvil: 'eth_blockNumber' }))
  expect(lines.join('\n')).not.toMatch(/ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80|Private Keys|Mnemonic/)
})

test('anvil is stopped when the process that started it crashes', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('fixtures/startAnvilThenCrash.ts', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  expect(await new Promise((resolve) => child.once('close', resolve))).toBe(1)
  const rpcUrl = stdout.trim()
  expect(rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 500 }) })
  // SIGTERM was sent on exit; give anvil a moment to shut down.
  await expect.poll(() => client.getChainId().then(() => 'up', () => 'down'), { timeout: 5_000, interval: 100 }).toBe('down')
})

test('anvil is stopped when the process that started it is SIGKILLed, and its state is kept for the next start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anvil-kill-'))
  const stateFile = join(dir, 'state.json')
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('fixtures/startAnvilThenWait.ts', import.meta.url)), stateFile], {
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  const rpcUrl = await new Promise<string>((resolve) => child.stdout.on('data', (chunk: Buffer) => resolve(chunk.toString().trim())))
  const client = createTestClient({ mode: 'anvil', transport: http(rpcUrl, { retryCount: 0, timeout: 500 }) })
  await client.mine({ blocks: 7 })
  const { pid } = JSON.parse(readFileSync(`${stateFile}.pid`, 'utf8')) as { pid: number }
  child.kill('SIGKILL')
  const killedAt = Date.now()
  await expect.poll(() => processAlive(pid), { timeout: 5_000, interval: 50 }).toBe(false)
  expect(Date.now() - killedAt).toBeLessThan(5_000)
  const next = await startAnvil({ stateFile })
  try {
    expect(await createPublicClient({ transport: http(next.rpcUrl) }).getBlockNumber()).toBe(7n)
  } finally {
    await next.stop()
  }
})

test('a start stops an anvil an earlier run left writing the same state file, and only that process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anvil-orphan-'))
  const stateFile = join(dir, 'state.json')
  const first = await startAnvil({ stateFile })
  const { pid } = JSON.parse(readFileSync(`${stateFile}.pid`, 'utf8')) as { pid: number }
  // The product died without stopping it and the watchdog did not act (say, it was killed too).
  const second = await startAnvil({ stateFile })
  try {
    expect(processAlive(pid)).toBe(false)
    expect(await createPublicClient({ transport: http(second.rpcUrl) }).getChainId()).toBe(31337)
    expect(JSON.parse(readFileSync(`${stateFile}.pid`, 'utf8')).pid).not.toBe(pid)
  } finally {
    await second.stop()
    await first.stop()
  }
  // A record naming a process that is not this anvil (a reused pid) is ignored.
  writeFileSync(`${stateFile}.pid`, JSON.stringify({ pid: process.pid, identity: 'another-boot:1' }))
  const third = await startAnvil({ stateFile })
  await third.stop()
  expect(processAlive(process.pid)).toBe(true)
  expect(existsSync(`${stateFile}.pid`)).toBe(false)
})

test('error: a port another node already listens on is reported, not mistaken for this anvil', async () => {
  const first = await startAnvil()
  try {
    const port = Number(new URL(first.rpcUrl).port)
    // The OS error number differs between Linux (98) and macOS (48).
    await expect(startAnvil({ port })).rejects.toThrowError(
      /^The embedded dev chain \(anvil\) did not start: anvil exited with code 1 before answering\.\nanvil said:\nError: Address already in use \(os error \d+\)$/,
    )
  } finally {
    await first.stop()
  }
})

test('error: a missing binary is reported with its path', async () => {
  await expect(startAnvil({ binaryPath: '/nonexistent/anvil' })).rejects.toThrowErrorMatchingInlineSnapshot(`[AnvilStartError: The embedded dev chain (anvil) did not start: cannot run /nonexistent/anvil: ENOENT.]`)
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
