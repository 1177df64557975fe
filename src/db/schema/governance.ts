import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

/** Native proposals (p12) and proposals mirrored from a Snapshot space (s-1a2b3c).
 *  The result columns are written once, in the transaction that closes the
 *  proposal and, for a passed parameter change, sets the parameter. */
export const proposals = sqliteTable(
  'proposals',
  {
    id: text('id').primaryKey(),
    source: text('source', { enum: ['native', 'snapshot'] }).notNull(),
    /** Native proposals: 12 for p12, so ids are sequential and readable. */
    seq: integer('seq'),
    /** Snapshot proposals: the hub's id (0x…). */
    externalId: text('external_id'),
    title: text('title').notNull(),
    body: text('body').notNull(),
    /** JSON array of choice labels. */
    choices: text('choices').notNull(),
    type: text('type').notNull(),
    authorAccountId: integer('author_account_id'),
    authorAddress: text('author_address'),
    startAt: integer('start_at').notNull(),
    endAt: integer('end_at').notNull(),
    snapshotBlock: integer('snapshot_block').notNull(),
    /** Least total voting power, in base units, fixed at creation. */
    quorum: text('quorum').notNull(),
    paramName: text('param_name'),
    paramValue: text('param_value'),
    status: text('status', { enum: ['pending', 'active', 'closed'] }).notNull(),
    createdAt: integer('created_at').notNull(),
    /** JSON array of numbers from snapshot.js's voting class (tokens, not base units). */
    scores: text('scores'),
    /** Total voting power cast, in base units (native) or the hub's scores_total as text. */
    scoresTotal: text('scores_total'),
    quorumMet: integer('quorum_met', { mode: 'boolean' }),
    /** 1-based winning choice; null on a tie or no votes. */
    winner: integer('winner'),
    closedAt: integer('closed_at'),
    executedAt: integer('executed_at'),
    /** The hub's `created` (seconds): the mirror's cursor. */
    hubCreated: integer('hub_created'),
    hubState: text('hub_state'),
  },
  (t) => [
    uniqueIndex('proposals_seq').on(t.seq),
    uniqueIndex('proposals_external').on(t.externalId),
    index('proposals_status_end').on(t.status, t.endAt),
  ],
)

/** One vote per (proposal, wallet); a later vote replaces it until the end.
 *  Mirrored Snapshot votes from people who are not ours have no account. */
export const governanceVotes = sqliteTable(
  'governance_votes',
  {
    proposalId: text('proposal_id')
      .notNull()
      .references(() => proposals.id),
    address: text('address').notNull(),
    accountId: integer('account_id'),
    /** The chat identity that cast it ('telegram:123'). */
    identity: text('identity'),
    /** JSON, in snapshot.js's form: 2, [1,3], {"1":60,"2":40}. */
    choice: text('choice').notNull(),
    /** Base units at the snapshot block (native), or the hub's vp as text;
     *  null for a relayed vote until the hub reports its power. */
    power: text('power'),
    votedAt: integer('voted_at').notNull(),
    source: text('source', { enum: ['chat', 'relay', 'hub'] }).notNull(),
    /** Relayed votes: the alias signature and the envelope the sequencer got. */
    signature: text('signature'),
    envelope: text('envelope'),
    /** The sequencer's receipt id for a relayed vote. */
    receipt: text('receipt'),
    /** Set when the delegate (accountId) cast this wallet's power for its
     *  owner, this delegator; the owner's own vote replaces the row. */
    delegatorAccountId: integer('delegator_account_id'),
  },
  (t) => [primaryKey({ columns: [t.proposalId, t.address] }), index('governance_votes_account').on(t.accountId, t.proposalId)],
)

/** Token balance of a wallet at a proposal's snapshot block; it never changes, so it is read once. */
export const votingPowerCache = sqliteTable(
  'voting_power_cache',
  {
    proposalId: text('proposal_id').notNull(),
    address: text('address').notNull(),
    power: text('power').notNull(),
    fetchedAt: integer('fetched_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.proposalId, t.address] })],
)

/** A pending /authorize: the signing page's token and the alias key it will authorise. */
export const aliasRequests = sqliteTable('alias_requests', {
  token: text('token').primaryKey(),
  accountId: integer('account_id').notNull(),
  aliasAddress: text('alias_address').notNull(),
  /** The alias private key, sealed with the app's SecretBox. */
  sealedKey: text('sealed_key').notNull(),
  createdAt: integer('created_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
  usedAt: integer('used_at'),
})

/** A wallet's Snapshot alias: the key the bot signs that wallet's votes with.
 *  Snapshot honours an alias for 30 days from the signed timestamp. */
export const snapshotAliases = sqliteTable(
  'snapshot_aliases',
  {
    /** The user's wallet (the Alias message's `from`). */
    address: text('address').primaryKey(),
    accountId: integer('account_id').notNull(),
    aliasAddress: text('alias_address').notNull(),
    /** Null once revoked: the key is destroyed, not just flagged. */
    sealedKey: text('sealed_key'),
    /** The Alias message's timestamp, in ms. */
    signedAt: integer('signed_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    signature: text('signature').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('snapshot_aliases_account').on(t.accountId), index('snapshot_aliases_expiry').on(t.expiresAt)],
)

/** Envelopes waiting for (or answered by) the Snapshot sequencer. Re-sending
 *  is safe: the sequencer refuses a message it already has. */
export const snapshotRelays = sqliteTable(
  'snapshot_relays',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: ['alias', 'vote'] }).notNull(),
    accountId: integer('account_id').notNull(),
    proposalId: text('proposal_id'),
    address: text('address').notNull(),
    envelope: text('envelope').notNull(),
    status: text('status', { enum: ['queued', 'sending', 'accepted', 'rejected'] }).notNull(),
    /** The sequencer's receipt id, or its error text. */
    answer: text('answer'),
    /** 'reply': the command that queued it is waiting for the answer; 'dm': tell the user later. */
    reportTo: text('report_to', { enum: ['reply', 'dm'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    createdAt: integer('created_at').notNull(),
    answeredAt: integer('answered_at'),
  },
  (t) => [index('snapshot_relays_due').on(t.status, t.nextAttemptAt)],
)

/** Small named cursors (the hub mirror's last `created`). */
export const governanceCursors = sqliteTable('governance_cursors', {
  name: text('name').primaryKey(),
  value: integer('value').notNull(),
})

/** /delegate: an account lends its voting power to another account, or to
 *  an address (counted when the account that linked it votes). Rows are never
 *  overwritten: a change ends the current row and starts a new one, so the
 *  delegation in effect at any proposal's snapshot can be found again. The
 *  position is (block, time): a snapshot block is read when a proposal is made. */
export const delegations = sqliteTable(
  'delegations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    fromAccountId: integer('from_account_id').notNull(),
    toAccountId: integer('to_account_id'),
    toAddress: text('to_address'),
    startBlock: integer('start_block').notNull(),
    startAt: integer('start_at').notNull(),
    endBlock: integer('end_block'),
    endAt: integer('end_at'),
  },
  (t) => [
    index('delegations_from').on(t.fromAccountId, t.endAt),
    index('delegations_to_account').on(t.toAccountId),
    index('delegations_to_address').on(t.toAddress),
  ],
)

export type ProposalRow = typeof proposals.$inferSelect
export type GovernanceVoteRow = typeof governanceVotes.$inferSelect
export type SnapshotAliasRow = typeof snapshotAliases.$inferSelect
export type SnapshotRelayRow = typeof snapshotRelays.$inferSelect
export type DelegationRow = typeof delegations.$inferSelect
