import { like } from 'drizzle-orm'
import type { Address } from 'viem'
import type { Db } from '../db/openDatabase.ts'
import { notifications } from '../db/schema/outbox.ts'
import { wallets } from '../db/schema/wallets.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import { topicEnabled } from '../notify/preferences.ts'
import type { Delegations } from './Delegations.ts'
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
  delegations: Delegations
  clock: () => number
}

/** 24 h before the end, then 1 h; the 24 h one is skipped once the last hour has begun. */
export const REMINDERS = [
  { label: '24h', beforeMs: 24 * 3600_000, untilMs: 3600_000 },
  { label: '1h', beforeMs: 3600_000, untilMs: 0 },
] as const

/** DMs holders who had voting power at the snapshot block and have not voted,
 *  once per proposal and reminder (the dedupe key), if they keep the
 *  governance topic on. A delegate is told what it carries; a delegator whose
 *  delegate voted is not reminded. Returns how many reminders were queued. */
export async function remindVoters({ db, units, store, votes, votingPower, delegations, clock }: RemindDeps): Promise<number> {
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
    // Delegators whose delegate already voted are represented: their power is cast.
    const represented = votes.representedAccounts(row.id)
    const delegateOf = delegations.inEffectAt(row)
    const walletsOf = new Map<number, Address[]>()
    for (const wallet of db.select().from(wallets).all()) walletsOf.set(wallet.accountId, [...(walletsOf.get(wallet.accountId) ?? []), wallet.address as Address])
    // What each delegate carries: delegators in effect at the snapshot who have not voted (one hop).
    const carriedBy = new Map<number, number[]>()
    for (const [delegator, delegate] of delegateOf) {
      if (voted.has(delegator) || !walletsOf.has(delegator)) continue
      carriedBy.set(delegate, [...(carriedBy.get(delegate) ?? []), delegator])
    }
    const toRemind = [...new Set([...walletsOf.keys(), ...carriedBy.keys()])].filter(
      (id) => !voted.has(id) && !reminded.has(id) && !represented.has(id) && topicEnabled(db, id, 'governance'),
    )
    if (toRemind.length === 0) continue
    const needed = toRemind.flatMap((id) => [...(walletsOf.get(id) ?? []), ...(carriedBy.get(id) ?? []).flatMap((d) => walletsOf.get(d) ?? [])])
    const powers = await votingPower.atSnapshot(row, [...new Set(needed)])
    const sum = (addresses: readonly Address[] = []) => addresses.reduce((total, a) => total + (powers.get(a) ?? 0n), 0n)
    const view = toProposalView(row, now)
    const hours = reminder.label === '24h' ? '24 hours' : '1 hour'
    db.transaction((tx) => {
      // Votes cast while balances were being read must not be reminded.
      const votedNow = votes.votedAccounts(row.id)
      const representedNow = votes.representedAccounts(row.id)
      for (const accountId of toRemind) {
        if (votedNow.has(accountId) || representedNow.has(accountId)) continue
        const own = sum(walletsOf.get(accountId))
        const carriers = (carriedBy.get(accountId) ?? []).filter((d) => !votedNow.has(d) && sum(walletsOf.get(d)) > 0n)
        const carried = carriers.reduce((total, d) => total + sum(walletsOf.get(d)), 0n)
        const power = own + carried
        if (power <= 0n) continue
        const powerText =
          carried > 0n
            ? `${units.display(power)}: ${units.display(own)} your own and ${units.display(carried)} delegated to you by ${carriers.length} account${carriers.length === 1 ? '' : 's'}`
            : units.display(power)
        enqueueNotification(tx, {
          dedupeKey: `${keyPrefix}${accountId}`,
          accountId,
          topic: 'governance',
          reply: {
            title: `Voting on ${view.id} closes in ${hours}`,
            text: `"${view.title}" closes ${utcMinute(view.endAt)} and you have not voted; your power is ${powerText}. /proposal ${view.id} to vote.`,
          },
          now,
        })
        queued++
      }
    })
  }
  return queued
}

