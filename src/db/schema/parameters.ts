import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** Governed protocol parameters; a missing row means the built-in default. */
export const protocolParameters = sqliteTable('protocol_parameters', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  /** The proposal that set it (null: set by an admin or the default). */
  setByProposal: text('set_by_proposal'),
  updatedAt: integer('updated_at').notNull(),
})
