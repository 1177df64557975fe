import { like } from 'drizzle-orm'
import type { Address } from 'viem'
import type { Db } from '../db/openDatabase.ts'
import { notifications } from '../db/schema/outbox.ts'
import { wallets } from '../db/schema/wallets.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import { topicEnabled } from '../notify/preferences.ts'
import type { ProposalStore } from './ProposalStore.ts'
import { toProposalView } from './proposalView.ts'
import type { VoteStore } from './VoteStore.ts'
import type { VotingPower } from './VotingPower.ts'
import { utcMinute } from '../time/utcMinute.ts'

export interface RemindDeps {
  db: Db
  units: TokenUnits
  store: ProposalStore
  votes: VoteStore
  votingPower: VotingPower
  clock: () => number
}

/** 24 h before the end, then 1 h; the 24 h one is skipped once the last hour has begun. */
export const REMINDERS = [
  { label: '24h', beforeMs: 24 * 3600_000, untilMs: 3600_000 },
  { label: '1h', beforeMs: 3600_000, untilMs: 0 },
] as const

/** DMs holders who had voting power at the snapshot block and have not voted,
 *  once per proposal and reminder (the dedupe key), if they keep the
 *  governance topic on. Returns how many reminders were queued. */
export async function remindVoters({ db, units, store, votes, votingPower, clock }: RemindDeps): Promise<number> {
  let queued = 0
  for (const row of store.activeNative(clock())) {
    const now = clock()
    const reminder = REMINDERS.find((r) => now >= row.endAt - r.beforeMs && now < row.endAt - r.untilMs && row.startAt <= row.endAt - r.beforeMs)
    if (!reminder) continue
    const keyPrefix = `proposal.remind:${row.id}:${reminder.label}:`
    const reminded = new Set(
      db
        .select({ key: notifications.dedupeKey })
        .from(notifications)
        .where(like(notifications.dedupeKey, `${keyPrefix}%`))
        .all()
        .map((r) => Number(r.key.slice(keyPrefix.length))),
    )
    const voted = votes.votedAccounts(row.id)
    const byAccount = new Map<number, Address[]>()
    for (const wallet of db.select().from(wallets).all()) {
      if (voted.has(wallet.accountId) || reminded.has(wallet.accountId)) continue
      byAccount.set(wallet.accountId, [...(byAccount.get(wallet.accountId) ?? []), wallet.address as Address])
    }
    for (const accountId of byAccount.keys()) if (!topicEnabled(db, accountId, 'governance')) byAccount.delete(accountId)
    if (byAccount.size === 0) continue
    const powers = await votingPower.atSnapshot(row, [...byAccount.values()].flat())
    const view = toProposalView(row, now)
    const hours = reminder.label === '24h' ? '24 hours' : '1 hour'
    db.transaction((tx) => {
      // Votes cast while balances were being read must not be reminded.
      const votedNow = votes.votedAccounts(row.id)
      for (const [accountId, addresses] of byAccount) {
        if (votedNow.has(accountId)) continue
        const power = addresses.reduce((sum, a) => sum + (powers.get(a) ?? 0n), 0n)
        if (power <= 0n) continue
        enqueueNotification(tx, {
          dedupeKey: `${keyPrefix}${accountId}`,
          accountId,
          topic: 'governance',
          reply: {
            title: `Voting on ${view.id} closes in ${hours}`,
            text: `"${view.title}" closes ${utcMinute(view.endAt)} and you have not voted; your power is ${units.format(power)}. /proposal ${view.id} to vote.`,
          },
          now,
        })
        queued++
      }
    })
  }
  return queued
}

