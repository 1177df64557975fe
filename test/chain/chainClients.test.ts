import { createServer } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { parseEther } from 'viem'
import { createChainClients } from '../../src/chain/chainClients.ts'
import { ChainIdMismatchError, ChainUnreachableError } from '../../src/chain/chainErrors.ts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import { startAnvil, type AnvilInstance } from '../../src/chain/startAnvil.ts'

let anvil: AnvilInstance
const [treasury] = devAccounts(1)

beforeAll(async () => {
  anvil = await startAnvil()
})
afterAll(() => anvil.stop())

test('connects, reads the chain id and sends from the treasury', async () => {
  const clients = await createChainClients({ rpcUrl: anvil.rpcUrl, expectedChainId: 31337, treasuryPrivateKey: treasury!.privateKey, pollingInterval: 50 })
  expect(clients.chainId).toBe(31337)
  expect(clients.publicClient.chain.id).toBe(31337)
  expect(clients.treasury).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266')
  expect(clients.walletClient.account.address).toBe(clients.treasury)

  const to = devAccounts(2)[1]!.address
  const before = await clients.publicClient.getBalance({ address: to })
  const hash = await clients.walletClient.sendTransaction({ to, value: 1n })
  await clients.publicClient.waitForTransactionReceipt({ hash })
  expect(await clients.publicClient.getBalance({ address: to })).toBe(before + 1n)
  expect(before).toBe(parseEther('10000'))
})

test('error: chain id mismatch names CHAIN_ID and RPC_URL without credentials', async () => {
  const port = new URL(anvil.rpcUrl).port
  const rpcUrl = `http://operator:hunter2@127.0.0.1:${port}/?key=abc`
  const error = await createChainClients({ rpcUrl, expectedChainId: 8453, treasuryPrivateKey: treasury!.privateKey }).catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(ChainIdMismatchError)
  expect((error as Error).message.replace(port, '<port>')).toMatchInlineSnapshot(`"CHAIN_ID is 8453 but the node at http://127.0.0.1:<port>/ (RPC_URL) is on chain 31337. Fix CHAIN_ID, or point RPC_URL at the intended network."`)
  expect((error as Error).message).not.toMatch(/hunter2|operator|key=abc/)
})

test('error: an unreachable endpoint names RPC_URL and the reason, without credentials', async () => {
  const port = await closedPort()
  const rpcUrl = `http://operator:hunter2@127.0.0.1:${port}/v3/0123456789abcdef0123456789abcdef?apikey=abc`
  const error = await createChainClients({ rpcUrl, treasuryPrivateKey: treasury!.privateKey }).catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(ChainUnreachableError)
  expect((error as Error).message.replaceAll(String(port), '<port>')).toMatchInlineSnapshot(`"Cannot reach the EVM JSON-RPC endpoint http://127.0.0.1:<port>/v3/*** (RPC_URL): fetch failed: connect ECONNREFUSED 127.0.0.1:<port>. Check that the node is running and RPC_URL is right, or unset RPC_URL to use the embedded dev chain."`)
  expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toMatch(/hunter2|operator|apikey|0123456789abcdef/)
})

test('error: an invalid treasury key is reported without echoing it', async () => {
  const treasuryPrivateKey = '0x1234' as const
  await expect(createChainClients({ rpcUrl: anvil.rpcUrl, treasuryPrivateKey })).rejects.toThrowErrorMatchingInlineSnapshot(`[InvalidChainConfigError: TREASURY_PRIVATE_KEY: is not a valid secp256k1 private key; expected 0x followed by 64 hex digits]`)
})

test('error: a non-http RPC_URL', async () => {
  await expect(createChainClients({ rpcUrl: 'ws://127.0.0.1:8545', treasuryPrivateKey: treasury!.privateKey })).rejects.toThrowErrorMatchingInlineSnapshot(`[InvalidChainConfigError: RPC_URL: ws://127.0.0.1:8545/ is not an http(s) URL]`)
})

/** A loopback port nobody listens on, so connecting is refused at once. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
