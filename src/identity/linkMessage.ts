import { createSiweMessage } from 'viem/siwe'
import type { Address } from 'viem'
import type { ChatIdentity } from '../db/schema/identity.ts'
import type { LinkChallenge } from '../db/schema/wallets.ts'

const PLATFORM_NAMES: Record<string, string> = { telegram: 'Telegram', discord: 'Discord', console: 'console' }

export function describeIdentity(identity: Pick<ChatIdentity, 'platform' | 'platformUserId' | 'displayName'>): string {
  const name = identity.displayName ? `${identity.displayName.startsWith('@') ? '' : '@'}${identity.displayName} ` : ''
  return `${PLATFORM_NAMES[identity.platform] ?? identity.platform} user ${name}(id ${identity.platformUserId})`
}

/** The EIP-4361 message for a challenge; rebuilt identically for the page and for /verify. */
export function linkMessage(params: {
  challenge: LinkChallenge
  identity: Pick<ChatIdentity, 'platform' | 'platformUserId' | 'displayName'>
  address: Address
  publicUrl: string
  chainId: number
}): string {
  const { challenge, identity, address, publicUrl, chainId } = params
  return createSiweMessage({
    domain: new URL(publicUrl).host,
    address,
    statement: `Link ${describeIdentity(identity)} to Gridshare`.replace(/\n/g, ' '),
    uri: `${publicUrl}/link/${challenge.token}`,
    version: '1',
    chainId,
    nonce: challenge.nonce,
    issuedAt: new Date(challenge.issuedAt),
    expirationTime: new Date(challenge.expiresAt),
  })
}
