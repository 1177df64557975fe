import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Address } from 'viem'
import { createChainClients, type ChainClients } from '../chain/chainClients.ts'
import { devAccounts } from '../chain/devAccounts.ts'
import { ensureDevChain } from '../chain/ensureDevChain.ts'
import { startAnvil } from '../chain/startAnvil.ts'
import { getTokenInfo } from '../chain/tokenInfo.ts'
import type { Config } from './config.ts'
import type { Logger } from './logger.ts'

/** Next to devchain.json in the data directory: the embedded chain's URL while it runs. */
export const DEV_CHAIN_RPC_FILE = 'devchain-rpc.json'

export interface ConnectedChain extends ChainClients {
  rpcUrl: string
  token: Address
  symbol: string
  decimals: number
  disperse?: Address
  devChain: boolean
  confirmations: number
  /** Where a fresh database starts scanning for deposits. */
  scanFrom: bigint
  stop(): Promise<void>
}

/** RPC_URL set: connect and read the token. Unset: start anvil with state
 *  under the data directory and deploy and fund the token once. */
export async function connectChain(config: Config, logger: Logger): Promise<ConnectedChain> {
  if (config.RPC_URL) {
    const clients = await createChainClients({
      rpcUrl: config.RPC_URL,
      expectedChainId: config.CHAIN_ID,
      treasuryPrivateKey: config.TREASURY_PRIVATE_KEY!,
    })
    const token = await getTokenInfo(clients.publicClient, { address: config.TOKEN_ADDRESS! })
    return {
      ...clients,
      rpcUrl: config.RPC_URL,
      token: token.address,
      symbol: token.symbol,
      decimals: token.decimals,
      devChain: false,
      confirmations: config.DEPOSIT_CONFIRMATIONS ?? 2,
      scanFrom: await clients.publicClient.getBlockNumber(),
      stop: async () => {},
    }
  }
  const anvil = await startAnvil({ stateFile: join(config.DATA_DIR, 'anvil-state.json'), logger: logger.child({ part: 'anvil' }) })
  try {
    const clients = await createChainClients({
      rpcUrl: anvil.rpcUrl,
      treasuryPrivateKey: config.TREASURY_PRIVATE_KEY ?? devAccounts(1)[0]!.privateKey,
      pollingInterval: 250,
    })
    const dev = await ensureDevChain(clients, { recordFile: join(config.DATA_DIR, 'devchain.json') })
    logger.info({ rpcUrl: anvil.rpcUrl, tokenAddress: dev.token, treasury: clients.treasury }, 'dev chain ready')
    // The port is new at every start: scripts (npm run wallet:deposit) read it here.
    const rpcFile = join(config.DATA_DIR, DEV_CHAIN_RPC_FILE)
    writeFileSync(rpcFile, `${JSON.stringify({ rpcUrl: anvil.rpcUrl })}\n`)
    return {
      ...clients,
      rpcUrl: anvil.rpcUrl,
      token: dev.token,
      symbol: dev.symbol,
      decimals: dev.decimals,
      disperse: dev.disperse,
      devChain: true,
      confirmations: config.DEPOSIT_CONFIRMATIONS ?? 0,
      scanFrom: dev.deployBlock,
      stop: async () => {
        rmSync(rpcFile, { force: true })
        await anvil.stop()
      },
    }
  } catch (error) {
    await anvil.stop()
    throw error
  }
}
