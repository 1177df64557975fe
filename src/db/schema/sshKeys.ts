import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

/** OpenSSH public keys an account lets into its rentals' workloads. They belong
 *  to the account (they follow a merge); one key once per account, by fingerprint. */
export const sshKeys = sqliteTable(
  'ssh_keys',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: integer('account_id').notNull(),
    /** As `ssh-keygen -lf` prints it: SHA256:<unpadded base64>. */
    fingerprint: text('fingerprint').notNull(),
    /** `<type> <base64>`, re-assembled from the parsed key: nothing else reaches authorized_keys. */
    publicKey: text('public_key').notNull(),
    comment: text('comment').notNull().default(''),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('ssh_keys_account_fingerprint').on(t.accountId, t.fingerprint)],
)

export type SshKey = typeof sshKeys.$inferSelect
