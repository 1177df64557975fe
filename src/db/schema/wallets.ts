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
    /** Random token in the signing page's URL. */
    token: text('token').primaryKey(),
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

export type Wallet = typeof wallets.$inferSelect
export type LinkChallenge = typeof linkChallenges.$inferSelect
