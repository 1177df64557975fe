import { snapshot } from '../snapshotJs.ts'
import type { Address, Hex, TypedDataDomain } from 'viem'

/** What the sequencer takes: `{ address, sig, data: { domain, types, message } }`. */
export interface SnapshotEnvelope {
  address: string
  sig: Hex
  data: {
    domain: { name: string; version: string }
    types: Record<string, { name: string; type: string }[]>
    message: Record<string, unknown>
  }
}

export interface SnapshotTypedData {
  domain: TypedDataDomain & { name: string; version: string }
  types: Record<string, { name: string; type: string }[]>
  primaryType: string
  message: Record<string, unknown>
}

export type TypedDataSigner = (typedData: SnapshotTypedData) => Promise<Hex>

/** Snapshot's own client, with sending replaced by handing the envelope back:
 *  types, type choice per vote kind, defaults and the envelope's shape are
 *  exactly what snapshot.js builds, and the relay queue does the sending. */
class EnvelopeClient extends snapshot.Client712 {
  override async send(envelope: unknown): Promise<unknown> {
    return envelope
  }
}

function signerFor(sign: TypedDataSigner) {
  // Client712 calls ethers' _signTypedData(domain, types, message).
  return {
    _signTypedData: (domain: SnapshotTypedData['domain'], types: SnapshotTypedData['types'], message: Record<string, unknown>) =>
      sign({ domain, types, primaryType: Object.keys(types)[0]!, message }),
  }
}

export interface VoteMessage {
  /** The voter's wallet; the envelope is signed by its alias. */
  from: Address
  space: string
  /** The hub's proposal id. */
  proposal: string
  type: string
  choice: number | number[] | Record<string, number>
  /** Seconds. */
  timestamp: number
  reason?: string
  app?: string
}

/** A vote envelope, signed by `signer` (the alias) on behalf of `message.from`. */
export async function voteEnvelope(signer: Address, message: VoteMessage, sign: TypedDataSigner): Promise<SnapshotEnvelope> {
  const client = new EnvelopeClient()
  return (await client.vote(signerFor(sign) as never, signer, { ...message } as never)) as SnapshotEnvelope
}

export interface AliasMessage {
  from: Address
  alias: Address
  /** Seconds. */
  timestamp: number
}

/** The Alias envelope with the wallet's signature over it. */
export async function aliasEnvelope(message: AliasMessage, signature: Hex): Promise<SnapshotEnvelope> {
  const client = new EnvelopeClient()
  return (await client.alias(signerFor(async () => signature) as never, message.from, { ...message } as never)) as SnapshotEnvelope
}

/** What the wallet signs for an Alias (eth_signTypedData_v4 wants EIP712Domain listed). */
export async function aliasTypedData(message: AliasMessage): Promise<SnapshotTypedData> {
  let captured: SnapshotTypedData | undefined
  await new EnvelopeClient().alias(
    signerFor(async (typed) => {
      captured = typed
      return '0x'
    }) as never,
    message.from,
    { ...message } as never,
  )
  const typed = captured!
  return {
    ...typed,
    types: {
      EIP712Domain: [
        { name: 'name', type: 'string' },
        { name: 'version', type: 'string' },
      ],
      ...typed.types,
    },
  }
}

/** The id the sequencer gives a message: its EIP-712 hash. */
export function envelopeId(envelope: SnapshotEnvelope): string {
  return snapshot.utils.getHash(envelope.data as never)
}
