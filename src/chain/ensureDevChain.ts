import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { getAddress, isAddress, parseEther, parseUnits, testActions, type Address, type Hash } from 'viem'
import type { ChainPublicClient, TreasuryWalletClient } from './chainClients.ts'
import { disperseArtifact, gridTokenArtifact } from './contractArtifacts.ts'
import { devAccounts } from './devAccounts.ts'
import { getTokenInfo } from './tokenInfo.ts'

export type EnsureDevChainDeps = { publicClient: ChainPublicClient; walletClient: TreasuryWalletClient }

export type EnsureDevChainParameters = {
  /** Where the deployed addresses are remembered between runs, e.g. `<dataDir>/devchain.json`. */
  recordFile: string
}

export type EnsureDevChainReturnType = {
  token: Address
  disperse: Address
  symbol: string
  decimals: number
  /** Block the contracts were deployed in: where a deposit scan can start. */
  deployBlock: bigint
  /** True when this call deployed (and minted); false when the recorded contracts were reused. */
  deployed: boolean
}

/** Minted once, at deploy, so the treasury can pay out and each dev account can rent and vote. */
export const DEV_TREASURY_MINT = parseUnits('1000000', 18)
export const DEV_ACCOUNT_MINT = parseUnits('10000', 18)

const DEV_TREASURY_MIN_GAS = parseEther('1')
const DEV_TREASURY_GAS = parseEther('10000')

type DevChainRecord = { chainId: number; token: Address; disperse: Address; deployBlock: string }

/**
 * Makes sure the embedded dev chain has GridToken and Disperse. Reuses the
 * addresses in `recordFile` while their code is still on chain; deploys and
 * mints afresh when there is no record or the chain lost its state.
 */
export async function ensureDevChain(
  { publicClient, walletClient }: EnsureDevChainDeps,
  { recordFile }: EnsureDevChainParameters,
): Promise<EnsureDevChainReturnType> {
  const chainId = publicClient.chain.id
  const record = readRecord(recordFile)
  if (record && record.chainId === chainId && (await hasCode(publicClient, record.token)) && (await hasCode(publicClient, record.disperse))) {
    const { symbol, decimals } = await getTokenInfo(publicClient, { address: record.token })
    return { token: record.token, disperse: record.disperse, symbol, decimals, deployBlock: BigInt(record.deployBlock), deployed: false }
  }

  const treasury = walletClient.account.address
  // An operator's own TREASURY_PRIVATE_KEY has no ETH on a fresh dev chain;
  // gas is play money here, so top it up rather than fail the deploy.
  if ((await publicClient.getBalance({ address: treasury })) < DEV_TREASURY_MIN_GAS) {
    await publicClient.extend(testActions({ mode: 'anvil' })).setBalance({ address: treasury, value: DEV_TREASURY_GAS })
  }
  // Explicit nonces let all deploys and mints go out back to back and be
  // awaited together, which matters when the chain mines on an interval.
  let nonce = await publicClient.getTransactionCount({ address: treasury, blockTag: 'pending' })
  const tokenTx = await walletClient.deployContract({ ...gridTokenArtifact, nonce: nonce++ })
  const disperseTx = await walletClient.deployContract({ ...disperseArtifact, nonce: nonce++ })
  const [tokenReceipt, disperseReceipt] = await Promise.all([tokenTx, disperseTx].map((hash) => waitForSuccess(publicClient, hash)))
  if (!tokenReceipt?.contractAddress || !disperseReceipt?.contractAddress) throw new Error('dev chain deploy receipt has no contract address')
  // Receipts carry lowercase addresses; checksum them so a reused record compares equal.
  const token = getAddress(tokenReceipt.contractAddress)
  const disperse = getAddress(disperseReceipt.contractAddress)

  const mints: [Address, bigint][] = [
    [treasury, DEV_TREASURY_MINT],
    ...devAccounts().map(({ address }): [Address, bigint] => [address, DEV_ACCOUNT_MINT]),
  ]
  const mintTxs: Hash[] = []
  for (const [to, value] of mints) {
    mintTxs.push(
      await walletClient.writeContract({ address: token, abi: gridTokenArtifact.abi, functionName: 'mint', args: [to, value], nonce: nonce++ }),
    )
  }
  await Promise.all(mintTxs.map((hash) => waitForSuccess(publicClient, hash)))

  const deployBlock = tokenReceipt.blockNumber
  writeRecord(recordFile, { chainId, token, disperse, deployBlock: deployBlock.toString() })
  const { symbol, decimals } = await getTokenInfo(publicClient, { address: token })
  return { token, disperse, symbol, decimals, deployBlock, deployed: true }
}

async function hasCode(publicClient: ChainPublicClient, address: Address): Promise<boolean> {
  const code = await publicClient.getCode({ address })
  return code !== undefined && code !== '0x'
}

async function waitForSuccess(publicClient: ChainPublicClient, hash: Hash) {
  const receipt = await publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') throw new Error(`dev chain set-up transaction ${hash} reverted`)
  return receipt
}

function readRecord(recordFile: string): DevChainRecord | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(recordFile, 'utf8'))
  } catch {
    // Missing or unreadable: deploying again is the recovery.
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const { chainId, token, disperse, deployBlock } = parsed as Record<string, unknown>
  if (typeof chainId !== 'number' || typeof token !== 'string' || typeof disperse !== 'string' || typeof deployBlock !== 'string') {
    return undefined
  }
  if (!isAddress(token) || !isAddress(disperse) || !/^\d+$/.test(deployBlock)) return undefined
  return { chainId, token: getAddress(token), disperse: getAddress(disperse), deployBlock }
}

function writeRecord(recordFile: string, record: DevChainRecord): void {
  mkdirSync(dirname(recordFile), { recursive: true })
  // Write-then-rename so a crash mid-write never leaves a half record behind.
  const temporary = `${recordFile}.${process.pid}.tmp`
  writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`)
  renameSync(temporary, recordFile)
}
