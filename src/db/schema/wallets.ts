import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { accounts, chatIdentities } from './identity.ts'

/** A wallet belongs to one account; proving it from a second platform merges the accounts. */
export const wallets = sqliteTable(
  'wallets',
  {
    /** Checksummed address. */
    address: text('address').primaryKey(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id),
    linkedByIdentityId: integer('linked_by_identity_id').references(() => chatIdentities.id),
    linkedAt: integer('linked_at').notNull(),
  },
  (t) => [index('wallets_account').on(t.accountId)],
)

/** A Sign-In with Ethereum challenge; the nonce is single-use. */
export const linkChallenges = sqliteTable(
  'link_challenges',
  {
    /** SHA-256 (hex) of the random token in the signing page's URL: the token itself is never stored. */
    tokenHash: text('token_hash').primaryKey(),
    /** 'link' a wallet, or 'unfreeze' the account with a wallet linked before the freeze. */
    purpose: text('purpose', { enum: ['link', 'unfreeze'] }).notNull().default('link'),
    identityId: integer('identity_id')
      .notNull()
      .references(() => chatIdentities.id),
    nonce: text('nonce').notNull().unique(),
    /** The address to sign with by hand, when the user gave one. */
    address: text('address'),
    issuedAt: integer('issued_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [index('link_challenges_identity').on(t.identityId)],
)

/** A merge waits for the approval of each account that has something to lose. */
export const mergeRequests = sqliteTable(
  'merge_requests',
  {
    id: text('id').primaryKey(),
    /** The identity whose link was signed, and its account (folded into the wallet's). */
    requesterIdentityId: integer('requester_identity_id')
      .notNull()
      .references(() => chatIdentities.id),
    requesterAccountId: integer('requester_account_id')
      .notNull()
      .references(() => accounts.id),
    /** The account that holds the wallet: the one being joined, which survives. */
    targetAccountId: integer('target_account_id')
      .notNull()
      .references(() => accounts.id),
    address: text('address').notNull(),
    status: text('status', { enum: ['pending', 'approved', 'denied', 'expired'] }).notNull(),
    /** Approvals still needed: JSON array of account ids. */
    awaiting: text('awaiting').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    decidedAt: integer('decided_at'),
  },
  (t) => [index('merge_requests_status').on(t.status, t.expiresAt), index('merge_requests_target').on(t.targetAccountId)],
)

export type Wallet = typeof wallets.$inferSelect
export type MergeRequest = typeof mergeRequests.$inferSelect
export type LinkChallenge = typeof linkChallenges.$inferSelect
