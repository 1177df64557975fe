import { and, eq, sql } from 'drizzle-orm'
import { getAddress, isAddress, type Address } from 'viem'
import type { Db } from '../db/openDatabase.ts'
import { chatIdentities } from '../db/schema/identity.ts'
import { UserError } from '../errors/AppError.ts'
import type { Platform } from '../identity/ChatUser.ts'

/** Who /delegate lends power to: an account met in chat, or any address
 *  (its power counts when the account that linked that address votes). */
export type DelegateTarget = { kind: 'account'; accountId: number; name: string } | { kind: 'address'; address: Address }

const EXPECTED = 'expected a mention such as @alice or a wallet address such as 0x1234…abcd'

/** Reads `<@123>` (a Discord mention), `@name` (a user of the caller's platform
 *  who has used the bot) or a 0x address. A mention resolves on the caller's
 *  platform only, and a name two identities share is refused rather than guessed.
 *  @throws UserError for anything else, an unknown user, or an ambiguous name */
export function parseDelegateTarget(db: Db, platform: Platform, text: string): DelegateTarget {
  const raw = text.trim()
  if (/^0x/i.test(raw)) {
    if (!isAddress(raw, { strict: false })) throw new UserError(`"${clip(raw)}" is not a wallet address; ${EXPECTED}.`, 'BAD_DELEGATE')
    return { kind: 'address', address: getAddress(raw) }
  }
  const discordMention = /^<@!?(\d{1,25})>$/.exec(raw)
  if (discordMention) {
    if (platform !== 'discord') throw new UserError(`That is a Discord mention; on ${platform} ${EXPECTED}.`, 'BAD_DELEGATE')
    const row = db
      .select({ accountId: chatIdentities.accountId, name: chatIdentities.displayName })
      .from(chatIdentities)
      .where(and(eq(chatIdentities.platform, 'discord'), eq(chatIdentities.platformUserId, discordMention[1]!)))
      .get()
    if (!row) throw new UserError(`${raw} has not used this bot yet, so they have no account to delegate to; ask them to run /help once, or delegate to their wallet address.`, 'UNKNOWN_DELEGATE')
    return { kind: 'account', accountId: row.accountId, name: row.name ? `@${row.name.replace(/^@/, '')}` : raw }
  }
  const name = /^@([A-Za-z0-9_.]{1,64})$/.exec(raw)?.[1]
  if (!name) throw new UserError(`"${clip(raw)}" is not someone to delegate to; ${EXPECTED}.`, 'BAD_DELEGATE')
  const rows = db
    .selectDistinct({ accountId: chatIdentities.accountId })
    .from(chatIdentities)
    .where(and(eq(chatIdentities.platform, platform), sql`lower(${chatIdentities.displayName}) in (${name.toLowerCase()}, ${'@' + name.toLowerCase()})`))
    .all()
  if (rows.length === 0) throw new UserError(`No one called @${name} has used this bot on ${platform}, so there is no account to delegate to; ask them to run /help once, or delegate to their wallet address.`, 'UNKNOWN_DELEGATE')
  // Display names are not unique everywhere (a Telegram first name may look like @name): never guess.
  if (rows.length > 1) throw new UserError(`More than one ${platform} user here is called @${name}; delegate to their wallet address instead.`, 'AMBIGUOUS_DELEGATE')
  return { kind: 'account', accountId: rows[0]!.accountId, name: `@${name}` }
}

function clip(text: string): string {
  return text.length > 50 ? `${text.slice(0, 49)}…` : text
}
