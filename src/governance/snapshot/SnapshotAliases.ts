import { randomBytes } from 'node:crypto'
import { and, desc, eq, lt, gt, inArray, isNotNull, isNull, lte, ne, sql } from 'drizzle-orm'
import { getAddress, isAddress, isHex, verifyTypedData, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { SecretBox } from '../../app/SecretBox.ts'
import type { Db } from '../../db/openDatabase.ts'
import { aliasRequests, snapshotAliases, snapshotRelays, type SnapshotAliasRow, type SnapshotRelayRow } from '../../db/schema/governance.ts'
import { wallets } from '../../db/schema/wallets.ts'
import { UserError } from '../../errors/AppError.ts'
import { assertNotFrozen } from '../../identity/AccountSecurity.ts'
import { enqueueNotification } from '../../notify/enqueueNotification.ts'
import { aliasEnvelope, aliasTypedData, type SnapshotEnvelope, type SnapshotTypedData } from './snapshotEnvelope.ts'
import type { RelayAliasHooks, RelayAnswer, SnapshotRelay } from './SnapshotRelay.ts'
import { spaceVoteSigner, type SpaceVoteSigner } from './spaceVoteSigner.ts'
import { utcMinute } from '../../time/utcMinute.ts'

/** Snapshot honours an alias for 30 days from the timestamp the wallet signed. */
export const ALIAS_LIFETIME_MS = 30 * 24 * 3600_000
export const ALIAS_REQUEST_TTL_MS = 15 * 60_000
/** Warn this long before an alias stops working. */
export const ALIAS_WARNING_MS = 3 * 24 * 3600_000

export interface SnapshotAliasesDeps {
  db: Db
  clock: () => number
  secrets: SecretBox
  relay: SnapshotRelay
  publicUrl: string
  /** SNAPSHOT_SPACE: the only space alias keys sign votes in. */
  space: string
}

/** The key that signs a wallet's votes now: its accepted alias, or while it
 *  has none that works, the alias on its way to Snapshot (whose votes wait for it). */
export interface WalletSigner {
  address: Address
  signer: SpaceVoteSigner
  waitingForAlias: boolean
}

export interface AliasRequestView {
  url: string
  expiresAt: number
  alias: Address
  /** With an address: the typed data that wallet signs. */
  typedData: SnapshotTypedData | null
}

export interface AliasOutcome {
  address: Address
  alias: Address
  expiresAt: number
  answer: RelayAnswer
}

/** /authorize and /revoke: one Alias signature lets a bot-held key sign the
 *  wallet's Snapshot votes. The key is sealed at rest and destroyed on revoke.
 *  A new alias stays on its request until Snapshot accepts it; only then does
 *  it replace the wallet's working one, so a pending /authorize breaks nothing. */
export class SnapshotAliases implements RelayAliasHooks {
  constructor(private readonly deps: SnapshotAliasesDeps) {}

  /** A fresh alias key and the signing page for it. */
  request(accountId: number): { url: string; expiresAt: number; alias: Address } {
    const now = this.deps.clock()
    const key = generatePrivateKey()
    const alias = privateKeyToAccount(key).address
    const token = randomBytes(18).toString('base64url')
    const expiresAt = now + ALIAS_REQUEST_TTL_MS
    this.deps.db.insert(aliasRequests).values({ token, accountId, aliasAddress: alias, sealedKey: this.deps.secrets.seal(key), createdAt: now, expiresAt }).run()
    return { url: this.url(token), expiresAt, alias }
  }

  /** What the signing page shows, and given the wallet's address, what it signs. */
  async describe(token: string, address?: string): Promise<AliasRequestView> {
    const request = this.openRequest(token)
    const from = address === undefined ? undefined : this.linkedWallet(request.accountId, address)
    return {
      url: this.url(token),
      expiresAt: request.expiresAt,
      alias: request.aliasAddress as Address,
      typedData: from ? await aliasTypedData({ from, alias: request.aliasAddress as Address, timestamp: Math.floor(this.deps.clock() / 1000) }) : null,
    }
  }

  /** Checks the wallet's Alias signature, keeps the key and sends the Alias to Snapshot.
   *  @throws UserError for an unknown, used or expired request, a wallet not linked, a stale timestamp or a bad signature */
  async complete(params: { token: string; address: string; signature: string; timestamp: number }): Promise<AliasOutcome> {
    const request = this.openRequest(params.token)
    assertNotFrozen(this.deps.db, request.accountId, '/authorize')
    const from = this.linkedWallet(request.accountId, params.address)
    const now = this.deps.clock()
    const timestamp = params.timestamp
    if (!Number.isSafeInteger(timestamp) || Math.abs(now / 1000 - timestamp) > ALIAS_REQUEST_TTL_MS / 1000)
      throw new UserError('The signed timestamp is not current; reload the page and sign again.', 'STALE_TIMESTAMP')
    const signature = params.signature.trim()
    if (!isHex(signature) || signature.length < 132) throw new UserError('That is not a signature; expected 0x followed by 130 hex digits.', 'BAD_SIGNATURE')
    const message = { from, alias: request.aliasAddress as Address, timestamp }
    const typed = await aliasTypedData(message)
    const { EIP712Domain: _, ...types } = typed.types
    const valid = await verifyTypedData({ address: from, domain: typed.domain, types, primaryType: 'Alias', message: typed.message, signature: signature as Hex }).catch(() => false)
    if (!valid) throw new UserError(`The signature is not ${from}'s signature of this authorization; sign with that wallet.`, 'BAD_SIGNATURE')
    const envelope = await aliasEnvelope(message, signature as Hex)
    const expiresAt = timestamp * 1000 + ALIAS_LIFETIME_MS
    const relayId = this.deps.db.transaction((tx) => {
      // The key stays sealed on the request until Snapshot accepts the alias (aliasAnswered).
      const spent = tx
        .update(aliasRequests)
        .set({ usedAt: now })
        .where(and(eq(aliasRequests.token, params.token), isNull(aliasRequests.usedAt)))
        .run()
      if (spent.changes === 0) throw new UserError('This authorization link was already used; run /authorize again.', 'REQUEST_USED')
      return this.deps.relay.enqueue(tx, { kind: 'alias', accountId: request.accountId, address: from, envelope, now })
    })
    const answer = (await this.deps.relay.sendNow([relayId])).get(relayId)!
    return { address: from, alias: request.aliasAddress as Address, expiresAt, answer }
  }

  /** Snapshot answered an Alias: accepted, its key becomes the wallet's alias
   *  (replacing the older one); refused, the key is destroyed and the older one stays. */
  aliasAnswered(tx: Db, row: SnapshotRelayRow, envelope: SnapshotEnvelope, answer: RelayAnswer, now: number): void {
    const alias = String(envelope.data.message.alias)
    const request = tx
      .select()
      .from(aliasRequests)
      .where(and(eq(aliasRequests.accountId, row.accountId), eq(aliasRequests.aliasAddress, alias), isNotNull(aliasRequests.usedAt), ne(aliasRequests.sealedKey, '')))
      .get()
    if (answer.status === 'accepted' && request) {
      const signedAt = Number(envelope.data.message.timestamp) * 1000
      const values = { accountId: row.accountId, aliasAddress: alias, sealedKey: request.sealedKey, signedAt, expiresAt: signedAt + ALIAS_LIFETIME_MS, signature: envelope.sig, revokedAt: null }
      tx.insert(snapshotAliases)
        .values({ address: row.address, ...values })
        .onConflictDoUpdate({ target: snapshotAliases.address, set: values })
        .run()
    }
    if (answer.status === 'rejected') {
      // An alias Snapshot refused can sign nothing that counts (rows written before aliases waited for acceptance included).
      tx.update(snapshotAliases)
        .set({ sealedKey: null, revokedAt: now })
        .where(and(eq(snapshotAliases.address, row.address), eq(snapshotAliases.aliasAddress, alias)))
        .run()
    }
    if (request) tx.update(aliasRequests).set({ sealedKey: '' }).where(eq(aliasRequests.token, request.token)).run()
  }

  /** A vote refused "wrong alias": the same message signed by the wallet's alias still on its way, if another. */
  async resignWithPendingAlias(row: SnapshotRelayRow, envelope: SnapshotEnvelope): Promise<SnapshotEnvelope | null> {
    const pending = this.pendingSigner(row.accountId, row.address as Address)
    if (!pending || pending.address === envelope.address) return null
    const { domain, types, message } = envelope.data
    const sig = await pending.signVote({ domain, types, primaryType: 'Vote', message })
    return { address: pending.address, sig, data: envelope.data }
  }

  /** The key each wallet's vote is signed with now; wallets with neither an
   *  accepted nor a pending alias are left out. */
  signersFor(accountId: number, addresses: readonly Address[]): WalletSigner[] {
    const accepted = new Map(this.active(accountId, addresses).map((a) => [a.row.address, a.signer]))
    return addresses.flatMap((address): WalletSigner[] => {
      const working = accepted.get(address)
      if (working) return [{ address, signer: working, waitingForAlias: false }]
      const pending = this.pendingSigner(accountId, address)
      return pending ? [{ address, signer: pending, waitingForAlias: true }] : []
    })
  }

  /** Destroys the account's alias keys, accepted or still on their way; returns how many wallets they served. */
  revoke(accountId: number): number {
    const now = this.deps.clock()
    return this.deps.db.transaction((tx) => {
      const served = new Set([...this.pendingAliases(tx, accountId).map((p) => p.address)])
      // Unused /authorize requests hold keys too, and so do aliases still on their way: they all go.
      tx.delete(aliasRequests).where(eq(aliasRequests.accountId, accountId)).run()
      const destroyed = tx
        .update(snapshotAliases)
        .set({ sealedKey: null, revokedAt: now })
        .where(and(eq(snapshotAliases.accountId, accountId), isNotNull(snapshotAliases.sealedKey)))
        .returning({ address: snapshotAliases.address })
        .all()
      for (const { address } of destroyed) served.add(address)
      return served.size
    })
  }

  /** Requests nobody completed keep a key for nothing: swept once they expire. */
  sweepExpiredRequests(): number {
    return this.deps.db.delete(aliasRequests).where(and(isNull(aliasRequests.usedAt), lt(aliasRequests.expiresAt, this.deps.clock()))).run().changes
  }

  /** The account's accepted aliases that still work (key present, not expired), each key usable for votes in the space only. */
  active(accountId: number, addresses: readonly Address[]): { row: SnapshotAliasRow; signer: SpaceVoteSigner }[] {
    if (addresses.length === 0) return []
    const now = this.deps.clock()
    return this.deps.db
      .select()
      .from(snapshotAliases)
      .where(and(eq(snapshotAliases.accountId, accountId), inArray(snapshotAliases.address, [...addresses]), isNotNull(snapshotAliases.sealedKey), gt(snapshotAliases.expiresAt, now)))
      .all()
      .map((row) => ({ row, signer: this.signer(row.sealedKey!) }))
  }

  /** The newest alias of this wallet that Snapshot has not answered yet, as a vote signer. */
  pendingSigner(accountId: number, address: Address): SpaceVoteSigner | null {
    const pending = this.pendingAliases(this.deps.db, accountId).find((p) => p.address === address)
    return pending ? this.signer(pending.sealedKey) : null
  }

  /** Aliases sent to Snapshot and not yet answered, newest first, with their sealed keys. */
  private pendingAliases(db: Db, accountId: number): { address: string; alias: string; sealedKey: string }[] {
    return db
      .select({ address: snapshotRelays.address, alias: aliasRequests.aliasAddress, sealedKey: aliasRequests.sealedKey })
      .from(snapshotRelays)
      .innerJoin(
        aliasRequests,
        and(eq(aliasRequests.accountId, snapshotRelays.accountId), sql`${aliasRequests.aliasAddress} = json_extract(${snapshotRelays.envelope}, '$.data.message.alias')`),
      )
      .where(
        and(
          eq(snapshotRelays.accountId, accountId),
          eq(snapshotRelays.kind, 'alias'),
          inArray(snapshotRelays.status, ['queued', 'sending']),
          isNotNull(aliasRequests.usedAt),
          ne(aliasRequests.sealedKey, ''),
        ),
      )
      .orderBy(desc(snapshotRelays.id))
      .all()
  }

  private signer(sealedKey: string): SpaceVoteSigner {
    return spaceVoteSigner(this.deps.secrets.open(sealedKey) as Hex, this.deps.space)
  }

  list(accountId: number): SnapshotAliasRow[] {
    return this.deps.db.select().from(snapshotAliases).where(eq(snapshotAliases.accountId, accountId)).all()
  }

  /** DMs each holder whose alias ends within ALIAS_WARNING_MS, once per signature. */
  warnExpiring(): number {
    const now = this.deps.clock()
    const rows = this.deps.db
      .select()
      .from(snapshotAliases)
      .where(and(isNotNull(snapshotAliases.sealedKey), lte(snapshotAliases.expiresAt, now + ALIAS_WARNING_MS), gt(snapshotAliases.expiresAt, now)))
      .all()
    this.deps.db.transaction((tx) => {
      for (const row of rows) {
        const days = Math.max(1, Math.round((row.expiresAt - now) / (24 * 3600_000)))
        enqueueNotification(tx, {
          dedupeKey: `snapshot.alias.expiring:${row.address}:${row.signedAt}`,
          accountId: row.accountId,
          topic: 'governance',
          reply: { text: `The bot's permission to cast Snapshot votes for ${row.address} ends in ${days} day${days === 1 ? '' : 's'} (${utcMinute(row.expiresAt)}). Run /authorize to renew it for 30 days.` },
          now,
        })
      }
    })
    return rows.length
  }

  private url(token: string): string {
    return `${this.deps.publicUrl}/governance/sign/${token}`
  }

  private openRequest(token: string) {
    const request = this.deps.db.select().from(aliasRequests).where(eq(aliasRequests.token, token)).get()
    if (!request) throw new UserError('This authorization link does not exist; run /authorize to get a new one.', 'NOT_FOUND')
    if (request.usedAt !== null) throw new UserError('This authorization link was already used; run /authorize again.', 'REQUEST_USED')
    if (request.expiresAt <= this.deps.clock()) throw new UserError('This authorization link expired (they last 15 minutes); run /authorize again.', 'REQUEST_EXPIRED')
    return request
  }

  private linkedWallet(accountId: number, address: string): Address {
    const trimmed = address.trim()
    if (!isAddress(trimmed, { strict: false })) throw new UserError(`"${trimmed.slice(0, 50)}" is not a wallet address; expected 0x followed by 40 hex digits.`, 'BAD_ADDRESS')
    const checked = getAddress(trimmed)
    const wallet = this.deps.db.select().from(wallets).where(eq(wallets.address, checked)).get()
    if (!wallet || wallet.accountId !== accountId)
      throw new UserError(`${checked} is not linked to your account; link it with /link first, then run /authorize again.`, 'NOT_LINKED')
    return checked
  }
}
