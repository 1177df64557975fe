import { createSiweMessage } from 'viem/siwe'
import type { Address } from 'viem'
import type { ChatIdentity } from '../db/schema/identity.ts'
import type { LinkChallenge } from '../db/schema/wallets.ts'

const PLATFORM_NAMES: Record<string, string> = { telegram: 'Telegram', discord: 'Discord', console: 'console' }

type IdentityNames = Pick<ChatIdentity, 'platform' | 'platformUserId' | 'displayName'>

/** "Telegram user @alice (id 12345)": the exact chat user, so a signer can tell it is not them. */
export function describeIdentity(identity: IdentityNames): string {
  const display = identity.displayName.replace(/[\r\n]+/g, ' ').trim()
  const name = display ? `${display.startsWith('@') ? '' : '@'}${display} ` : ''
  return `${PLATFORM_NAMES[identity.platform] ?? identity.platform} user ${name}(id ${identity.platformUserId})`
}

/** One line (EIP-4361 statements have no newlines) saying who gains what by this signature. */
export function challengeStatement(purpose: LinkChallenge['purpose'], identity: IdentityNames): string {
  const who = describeIdentity(identity)
  return purpose === 'unfreeze'
    ? `Unfreeze the Gridshare account of ${who}. Sign only if you asked for this in chat yourself.`
    : `Link this wallet to ${who} on Gridshare. If that is not you, close this page: signing gives that chat user control over this wallet's Gridshare account.`
}

/** The EIP-4361 message for a challenge, rebuilt identically for the page and for /verify.
 *  The nonce names the request, so the URL's token is never needed to rebuild it. */
export function linkMessage(params: { challenge: LinkChallenge; identity: IdentityNames; address: Address; publicUrl: string; chainId: number }): string {
  const { challenge, identity, address, publicUrl, chainId } = params
  return createSiweMessage({
    domain: new URL(publicUrl).host,
    address,
    statement: challengeStatement(challenge.purpose, identity),
    uri: `${publicUrl}/link`,
    version: '1',
    chainId,
    nonce: challenge.nonce,
    issuedAt: new Date(challenge.issuedAt),
    expirationTime: new Date(challenge.expiresAt),
  })
}
