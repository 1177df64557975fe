import { createPublicClient, createWalletClient, defineChain, erc20Abi, http, parseEther, type Address, type Hash, type PublicClient } from 'viem'
import type { PrivateKeyAccount } from 'viem/accounts'

/** The embedded dev chain as the soak sees it: anvil's RPC moves to a new
 *  port on every product start, so clients are made per start. */
export function soakChain(rpcUrl: string) {
  const chain = defineChain({ id: 31337, name: 'gridshare-dev', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } })
  const transport = http(rpcUrl, { timeout: 10_000, retryCount: 0 })
  const publicClient = createPublicClient({ chain, transport }) as PublicClient
  const walletFor = (account: PrivateKeyAccount) => createWalletClient({ account, chain, transport })

  /** Sends GRID and waits for the receipt; returns the tx hash. */
  async function transferToken(from: PrivateKeyAccount, token: Address, to: Address, amount: bigint): Promise<Hash> {
    const hash = await walletFor(from).writeContract({ address: token, abi: erc20Abi, functionName: 'transfer', args: [to, amount] })
    const receipt = await publicClient.waitForTransactionReceipt({ hash, timeout: 20_000 })
    if (receipt.status !== 'success') throw new Error(`transfer ${hash} reverted`)
    return hash
  }

  /** Gas money and GRID for a wallet derived beyond the ten the dev chain funds. */
  async function fund(from: PrivateKeyAccount, token: Address, to: Address, grid: bigint): Promise<void> {
    const hash = await walletFor(from).sendTransaction({ to, value: parseEther('1') })
    await publicClient.waitForTransactionReceipt({ hash, timeout: 20_000 })
    await transferToken(from, token, to, grid)
  }

  async function tokenBalance(token: Address, owner: Address): Promise<bigint> {
    return publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [owner] })
  }

  return { publicClient, transferToken, fund, tokenBalance }
}

/** Completes a /link challenge the way the signing page does: fetch the
 *  message for this address, sign it with the wallet, post it back. */
export async function signLinkOverHttp(base: string, token: string, account: PrivateKeyAccount): Promise<{ status: number; body: string }> {
  const challenge = await fetch(`${base}/api/v1/link/${token}?address=${account.address}`, { signal: AbortSignal.timeout(10_000) })
  if (!challenge.ok) return { status: challenge.status, body: await challenge.text() }
  const { message } = (await challenge.json()) as { message: string }
  const signature = await account.signMessage({ message })
  const response = await fetch(`${base}/api/v1/link/${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ signature, address: account.address, message }),
    signal: AbortSignal.timeout(10_000),
  })
  return { status: response.status, body: await response.text() }
}
