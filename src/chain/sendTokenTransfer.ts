import { erc20Abi, type Address, type Hash } from 'viem'
import type { ChainPublicClient, TreasuryWalletClient } from './chainClients.ts'
import { TreasuryBalanceTooLowError } from './chainErrors.ts'

export type SendTokenTransferDeps = { walletClient: TreasuryWalletClient; publicClient: ChainPublicClient }

export type SendTokenTransferParameters = {
  token: Address
  to: Address
  /** Base units. */
  value: bigint
  /** The treasury nonce the payout reserved; sending twice with one nonce can land at most once. */
  nonce: number
}

/**
 * Broadcasts an ERC-20 transfer from the treasury and returns its hash at
 * once, without waiting for it to be mined: the caller records (hash, nonce)
 * and follows up with getTxOutcome.
 * @throws TreasuryBalanceTooLowError before anything is broadcast; viem's errors when the node rejects the transaction (e.g. nonce too low).
 */
export async function sendTokenTransfer(
  { walletClient, publicClient }: SendTokenTransferDeps,
  { token, to, value, nonce }: SendTokenTransferParameters,
): Promise<Hash> {
  const treasury = walletClient.account.address
  const available = await publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [treasury] })
  // Checked here rather than left to the revert so the operator gets amounts, not "execution reverted".
  if (available < value) throw new TreasuryBalanceTooLowError({ treasury, token, needed: value, available })
  return walletClient.writeContract({ address: token, abi: erc20Abi, functionName: 'transfer', args: [to, value], nonce })
}
