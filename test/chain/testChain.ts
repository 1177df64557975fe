import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestClient, createWalletClient, getAddress, http, keccak256, toHex, type Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createChainClients, type ChainClients } from '../../src/chain/chainClients.ts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import { ensureDevChain, type EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { startAnvil, type AnvilInstance, type StartAnvilParameters } from '../../src/chain/startAnvil.ts'

export type TestChain = ChainClients & {
  anvil: AnvilInstance
  /** anvil_* / evm_* methods: mining, automine, snapshots. */
  testClient: ReturnType<typeof createAnvilTestClient>
  dataDir: string
  stop(): Promise<void>
}

/** A fresh anvil for one test file, with dev account 0 as the treasury. */
export async function startTestChain(options: StartAnvilParameters & { dataDir?: string } = {}): Promise<TestChain> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gridshare-chain-'))
  const anvil = await startAnvil(options)
  const clients = await createChainClients({
    rpcUrl: anvil.rpcUrl,
    treasuryPrivateKey: devAccounts(1)[0]!.privateKey,
    // Tests mine on demand; polling at viem's 4 s default would dominate their run time.
    pollingInterval: 50,
  })
  return {
    ...clients,
    anvil,
    testClient: createAnvilTestClient(anvil.rpcUrl),
    dataDir,
    async stop() {
      await anvil.stop()
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export function createAnvilTestClient(rpcUrl: string) {
  return createTestClient({ mode: 'anvil', transport: http(rpcUrl), pollingInterval: 50 })
}

/** Deploys GridToken + Disperse and mints, as `npm start` does on the dev chain. */
export function deployDevContracts(chain: TestChain): Promise<EnsureDevChainReturnType> {
  return ensureDevChain(chain, { recordFile: join(chain.dataDir, 'devchain.json') })
}

/** Fresh addresses that hold nothing, so balances in a test start at zero. */
export function freshAddresses(count: number, salt: string): Address[] {
  return Array.from({ length: count }, (_, index) => getAddress(keccak256(toHex(`${salt}/${index}`)).slice(0, 42)))
}

/** A wallet client for dev account `index`, for playing a renter or a provider. */
export function devWallet(chain: TestChain, index: number) {
  return createWalletClient({
    account: privateKeyToAccount(devAccounts(index + 1)[index]!.privateKey),
    chain: chain.publicClient.chain,
    transport: http(chain.anvil.rpcUrl),
    pollingInterval: 50,
  })
}
