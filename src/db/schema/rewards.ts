import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** An epoch closes once: its report hash and Merkle root are fixed when it does. */
export const epochs = sqliteTable('epochs', {
  number: integer('number').primaryKey(),
  startsAt: integer('starts_at').notNull(),
  endsAt: integer('ends_at').notNull(),
  status: text('status', { enum: ['closed', 'paid'] }).notNull(),
  emission: text('emission').notNull(),
  reportHash: text('report_hash').notNull(),
  merkleRoot: text('merkle_root').notNull(),
  /** The full report (JSON) so a statement can be shown and recomputed. */
  report: text('report').notNull(),
  /** The OpenZeppelin StandardMerkleTree dump, for proofs. */
  tree: text('tree').notNull(),
  closedAt: integer('closed_at').notNull(),
})

/** Per provider per epoch: what it earned and where it stands for payment. */
export const epochStatements = sqliteTable(
  'epoch_statements',
  {
    epoch: integer('epoch').notNull(),
    providerId: integer('provider_id').notNull(),
    address: text('address').notNull(),
    accountId: integer('account_id').notNull(),
    emission: text('emission').notNull(),
    earnings: text('earnings').notNull(),
    total: text('total').notNull(),
    /** The leaf index in the epoch's Merkle tree. */
    leafIndex: integer('leaf_index').notNull(),
  },
  (t) => [primaryKey({ columns: [t.epoch, t.providerId] }), index('epoch_statements_account').on(t.accountId)],
)

/** A provider's signed renewable-energy claim, optionally counter-signed by the DAO's attester. */
export const renewableAttestations = sqliteTable(
  'renewable_attestations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    providerId: integer('provider_id').notNull(),
    source: text('source').notNull(),
    reference: text('reference').notNull(),
    evidenceHash: text('evidence_hash').notNull(),
    providerSignature: text('provider_signature').notNull(),
    attesterSignature: text('attester_signature'),
    validUntil: integer('valid_until').notNull(),
    revokedAt: integer('revoked_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('renewable_attestations_provider').on(t.providerId)],
)
