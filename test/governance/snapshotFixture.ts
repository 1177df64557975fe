import type { Address } from 'viem'
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { createGovernanceHarness, type GovernanceHarness } from './governanceHarness.ts'
import type { LocalSnapshot } from './LocalSnapshot.ts'

/** Governance in Snapshot mode against a fresh LocalSnapshot, both on one clock. */
export function snapshotHarness(local: LocalSnapshot, options: { sequencerUrl?: string; relayPerMinute?: number; fetch?: typeof fetch } = {}) {
  local.reset()
  const h = createGovernanceHarness({
    start: Date.now(),
    snapshot: { hubUrl: local.url, space: local.space, sequencerUrl: options.sequencerUrl, relayPerMinute: options.relayPerMinute },
    fetch: options.fetch,
  })
  local.now = () => Math.floor(h.clock.now / 1000)
  return h
}

/** /authorize completed as the signing page does: the wallet signs the typed data the service builds. */
export async function authorizeWallet(h: GovernanceHarness, accountId: number, wallet: PrivateKeyAccount) {
  const { url } = h.governance.authorize(accountId)
  const token = url.split('/').pop()!
  const view = await h.governance.describeAuthorization(token, wallet.address)
  const { EIP712Domain: _, ...types } = view.typedData!.types
  const signature = await wallet.signTypedData({ domain: view.typedData!.domain, types, primaryType: 'Alias', message: view.typedData!.message } as never)
  return h.governance.completeAuthorization({ token, address: wallet.address, signature, timestamp: view.typedData!.message.timestamp as number })
}

/** A chat user whose linked wallet is a real key. */
export function walletHolder(h: GovernanceHarness, name: string) {
  const wallet = privateKeyToAccount(generatePrivateKey())
  return { ...h.holder(name, { [wallet.address]: 0 }), wallet, address: wallet.address as Address }
}
