import { erc20Abi, maxUint256, type Address, type Hash } from 'viem'
import type { ChainPublicClient, TreasuryWalletClient } from './chainClients.ts'

/** Disperse pulls from the treasury with transferFrom: approve it once, for
 *  good, and wait for that approval, since the batch's gas estimate needs it.
 *  Returns the approval's hash when one was sent. The nonce is asked for only
 *  when an approval is needed. */
export async function ensureDisperseAllowance(
  { walletClient, publicClient }: { walletClient: TreasuryWalletClient; publicClient: ChainPublicClient },
  { token, disperse, amount, nonce }: { token: Address; disperse: Address; amount: bigint; nonce: () => number | Promise<number> },
): Promise<Hash | undefined> {
  const allowance = await publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'allowance', args: [walletClient.account.address, disperse] })
  if (allowance >= amount) return undefined
  const hash = await walletClient.writeContract({ address: token, abi: erc20Abi, functionName: 'approve', args: [disperse, maxUint256], nonce: await nonce() })
  const receipt = await publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') throw new Error(`approving Disperse ${disperse} reverted in ${hash}`)
  return hash
}
