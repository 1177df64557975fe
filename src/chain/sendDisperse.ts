import { erc20Abi, type Address, type Hash } from 'viem'
import type { ChainPublicClient, TreasuryWalletClient } from './chainClients.ts'
import { TreasuryBalanceTooLowError } from './chainErrors.ts'
import { disperseArtifact } from './contractArtifacts.ts'
import { ensureDisperseAllowance } from './ensureDisperseAllowance.ts'

export type SendDisperseDeps = { walletClient: TreasuryWalletClient; publicClient: ChainPublicClient }

export type SendDisperseParameters = {
  token: Address
  /** The Disperse contract. */
  disperse: Address
  payouts: readonly { to: Address; value: bigint }[]
  /** The first treasury nonce this call may use. */
  nonce: number
}

export type SendDisperseReturnType = {
  txHash: Hash
  /** Nonce of the disperse transaction: `nonce`, or `nonce + 1` after an approval. */
  nonce: number
  /** Set when this call first had to approve Disperse (mined before the batch was sent). */
  approveTxHash?: Hash | undefined
  /** The next free treasury nonce after this call. */
  nextNonce: number
}

/**
 * Pays every payout in one transaction through Disperse and returns the
 * batch's hash without waiting for it. The first time (or whenever the
 * allowance ran short) the treasury approves Disperse for the maximum and
 * waits for that approval, because the batch's gas estimate needs it.
 * @throws TreasuryBalanceTooLowError before anything is broadcast.
 */
export async function sendDisperse(
  { walletClient, publicClient }: SendDisperseDeps,
  { token, disperse, payouts, nonce }: SendDisperseParameters,
): Promise<SendDisperseReturnType> {
  if (payouts.length === 0) throw new RangeError('sendDisperse needs at least one payout')
  const treasury = walletClient.account.address
  const total = payouts.reduce((sum, { value }) => sum + value, 0n)
  const available = await publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [treasury] })
  if (available < total) throw new TreasuryBalanceTooLowError({ treasury, token, needed: total, available })
  const approveTxHash = await ensureDisperseAllowance({ walletClient, publicClient }, { token, disperse, amount: total, nonce: () => nonce })
  const batchNonce = approveTxHash ? nonce + 1 : nonce
  const txHash = await walletClient.writeContract({
    address: disperse,
    abi: disperseArtifact.abi,
    functionName: 'disperseToken',
    args: [token, payouts.map(({ to }) => to), payouts.map(({ value }) => value)],
    nonce: batchNonce,
  })
  return { txHash, nonce: batchNonce, approveTxHash, nextNonce: batchNonce + 1 }
}
