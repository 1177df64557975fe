import type { Address } from 'viem'
import type { Db } from '../db/openDatabase.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import { utcMinute } from '../time/utcMinute.ts'
import type { Delegations, SnapshotPoint } from './Delegations.ts'
import type { ProposalView } from './proposalView.ts'
import type { VoteStore } from './VoteStore.ts'
import type { VotingPower } from './VotingPower.ts'

export interface DelegatedVoteDeps {
  delegations: Delegations
  votes: VoteStore
  votingPower: VotingPower
}

/** What a delegate carries on a proposal: each direct delegator (in effect at
 *  the snapshot, not having voted itself) with its wallets' power at the
 *  snapshot block. Delegators with no power are left out. */
export async function delegatedPowerAt(
  { delegations, votes, votingPower }: DelegatedVoteDeps,
  proposal: { id: string } & SnapshotPoint,
  delegate: number,
): Promise<Map<number, Map<Address, bigint>>> {
  const delegators = delegations.delegatorsAt(proposal, delegate)
  const voted = votes.ownVoters(proposal.id, delegators)
  const walletsBy = new Map(delegators.filter((d) => !voted.has(d)).map((d) => [d, delegations.walletsOf(d)] as const))
  const all = [...walletsBy.values()].flat()
  if (all.length === 0) return new Map()
  const powers = await votingPower.atSnapshot(proposal, all)
  const carried = new Map<number, Map<Address, bigint>>()
  for (const [delegator, addresses] of walletsBy) {
    const own = new Map(addresses.map((a) => [a, powers.get(a) ?? 0n] as const).filter(([, p]) => p > 0n))
    if (own.size > 0) carried.set(delegator, own)
  }
  return carried
}

export function sumPowers(byDelegator: Map<number, Map<Address, bigint> | bigint>): bigint {
  let sum = 0n
  for (const value of byDelegator.values()) sum += typeof value === 'bigint' ? value : [...value.values()].reduce((a, b) => a + b, 0n)
  return sum
}

/** Tells each delegator whose power a delegate's vote just carried (topic
 *  `delegation`); one message per delegator and choice, however often it is pressed. */
export function notifyDelegators(
  tx: Db,
  { units, delegations }: { units: TokenUnits; delegations: Delegations },
  vote: { proposal: ProposalView; delegate: number; choice: string; choiceKey: string; counted: Map<number, bigint>; now: number },
): void {
  const { proposal } = vote
  const name = delegations.nameOf(vote.delegate)
  for (const [delegator, power] of vote.counted) {
    enqueueNotification(tx, {
      dedupeKey: `delegation.voted:${proposal.id}:${delegator}:${vote.choiceKey}`,
      accountId: delegator,
      topic: 'delegation',
      reply: {
        title: `Your delegate voted on ${proposal.id}`,
        text: `${name} voted ${vote.choice} on ${proposal.id} ("${proposal.title}") with your ${units.display(power)}. To vote differently, vote yourself before ${utcMinute(proposal.endAt)}: /proposal ${proposal.id}.`,
      },
      now: vote.now,
    })
  }
}
