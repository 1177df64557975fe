import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import type { Address, Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { AppError } from '../../errors/AppError.ts'
import type { SnapshotTypedData } from './snapshotEnvelope.ts'

// The sequencer names a message's type by the sha256 of its EIP-712 types; snapshot.js ships that table.
const HASHED_TYPES = createRequire(import.meta.url)('@snapshot-labs/snapshot.js/src/sign/hashedTypes.json') as Record<string, string>
const VOTE_TYPES = new Set(['vote', 'vote-array', 'vote-string'])

/** A Snapshot alias key that signs votes in one space and nothing else. On
 *  Snapshot an alias is valid in every space and may also sign proposals,
 *  deletions, statements, follows and profiles for the wallet; this wrapper is
 *  the only way code reaches the key, so the bot can sign nothing but votes in
 *  SNAPSHOT_SPACE whatever a caller asks. */
export interface SpaceVoteSigner {
  readonly address: Address
  readonly space: string
  /** @throws AliasScopeError for anything but a Vote in `space` */
  signVote(typedData: SnapshotTypedData): Promise<Hex>
}

export class AliasScopeError extends AppError {
  constructor(what: string) {
    super(`refused to sign ${what} with a Snapshot alias key: it signs votes in SNAPSHOT_SPACE only`, { code: 'ALIAS_SCOPE' })
  }
}

/** The Snapshot message type of typed data ("vote", "proposal", "alias", …), or undefined. */
export function snapshotTypeOf(types: SnapshotTypedData['types']): string | undefined {
  const { EIP712Domain: _, ...signed } = types
  return HASHED_TYPES[createHash('sha256').update(JSON.stringify(signed)).digest('hex')]
}

export function spaceVoteSigner(key: Hex, space: string): SpaceVoteSigner {
  const account = privateKeyToAccount(key)
  return {
    address: account.address,
    space,
    async signVote(typedData) {
      const type = snapshotTypeOf(typedData.types)
      if (!type || !VOTE_TYPES.has(type) || typedData.primaryType !== 'Vote') throw new AliasScopeError(`a Snapshot ${type ?? 'message of unknown type'}`)
      const { domain, message } = typedData
      if (domain.name !== 'snapshot' || domain.version !== '0.1.4' || Object.keys(domain).some((k) => k !== 'name' && k !== 'version'))
        throw new AliasScopeError('a vote under another EIP-712 domain')
      if (message.space !== space) throw new AliasScopeError(`a vote in space ${JSON.stringify(message.space)}`)
      const { EIP712Domain: _, ...types } = typedData.types
      return account.signTypedData({ domain, types, primaryType: 'Vote', message } as never)
    },
  }
}
