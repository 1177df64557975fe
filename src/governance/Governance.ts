import { and, eq, ne, sql } from 'drizzle-orm'
import type { Address } from 'viem'
import type { Logger } from '../app/logger.ts'
import type { SecretBox } from '../app/SecretBox.ts'
import type { ChainPublicClient } from '../chain/chainClients.ts'
import type { Db } from '../db/openDatabase.ts'
import { proposals, snapshotRelays, type GovernanceVoteRow } from '../db/schema/governance.ts'
import { wallets } from '../db/schema/wallets.ts'
import { UserError } from '../errors/AppError.ts'
import { assertNotFrozen } from '../identity/AccountSecurity.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import { closeDueProposals, type CloseOutcome } from './closeDueProposals.ts'
import { Delegations } from './Delegations.ts'
import { delegatedPowerAt, notifyDelegators, sumPowers } from './delegatedVotes.ts'
import { parseProposalDraft, type ProposalFields } from './parseProposalDraft.ts'
import { parseVoteChoice, type VoteChoice } from './parseVoteChoice.ts'
import type { VoteOutcome } from './VoteOutcome.ts'
import { newProposalAnnouncement, type TallyView } from './proposalReplies.ts'
import { anyoneActionIn, withVoteButtons } from './proposalMessages.ts'
import { ProposalStore } from './ProposalStore.ts'
import { toProposalView, type ProposalView } from './proposalView.ts'
import type { ProtocolParameters } from './ProtocolParameters.ts'
import { remindVoters } from './remindVoters.ts'
import { SnapshotAliases, type AliasOutcome, type AliasRequestView } from './snapshot/SnapshotAliases.ts'
import { voteEnvelope } from './snapshot/snapshotEnvelope.ts'
import { SnapshotHub } from './snapshot/SnapshotHub.ts'
import { SnapshotMirror } from './snapshot/SnapshotMirror.ts'
import { SnapshotRelay } from './snapshot/SnapshotRelay.ts'
import { sequencerUrlFor } from './snapshot/sequencerUrlFor.ts'
import { describeChoice, isValidChoice, soleLeader, tallyVotes } from './tallyVotes.ts'
import { VoteStore } from './VoteStore.ts'
import { VotingPower } from './VotingPower.ts'
import { votingTypeOf, type VotingType } from './votingTypes.ts'
import { utcMinute } from '../time/utcMinute.ts'

export interface GovernanceDeps {
  db: Db
  clock: () => number
  logger: Logger
  units: TokenUnits
  params: ProtocolParameters
  publicClient: Pick<ChainPublicClient, 'readContract' | 'getBlockNumber'>
  /** The ERC-20 whose balance is voting power. */
  token: Address
  publicUrl: string
  /** Seals Snapshot alias keys at rest. */
  secrets: SecretBox
  /** SNAPSHOT_HUB_URL and SNAPSHOT_SPACE: mirror the space and relay votes;
   *  SNAPSHOT_SEQUENCER_URL, unset: derived from the hub (sequencerUrlFor). */
  snapshot?: { hubUrl: string; space: string; sequencerUrl?: string; relayPerMinute?: number }
  fetch?: typeof fetch
}

export interface VoteRecord {
  address: string
  accountId: number | null
  identity: string | null
  choice: unknown
  choiceText: string
  /** Base units; null for a relayed vote the hub has not counted yet. */
  power: bigint | null
  votedAt: number
  source: GovernanceVoteRow['source']
  signature: string | null
  receipt: string | null
  envelope: unknown
  /** Set when a delegate cast this wallet's power for its owner: the delegate's chat name. */
  delegate: string | null
}

/** Token-holder governance (ctx.governance): native proposals voted in chat
 *  with power at a snapshot block, tallied by snapshot.js, executed when they
 *  pass; and, with a Snapshot space, its proposals mirrored and votes relayed. */
export class Governance {
  readonly store: ProposalStore
  readonly votes: VoteStore
  readonly votingPower: VotingPower
  /** /delegate: native proposals only; Snapshot has its own delegation. */
  readonly delegations: Delegations
  readonly relay?: SnapshotRelay
  readonly aliases?: SnapshotAliases
  readonly mirror?: SnapshotMirror
  /** Live tallies by proposal, reused while no vote has changed (a 100,000-vote
   *  tally takes up to a second; /proposals shows twenty of them). */
  private readonly tallies = new Map<string, { version: string; tally: TallyView }>()

  constructor(private readonly deps: GovernanceDeps) {
    const { db, clock } = deps
    this.store = new ProposalStore(db)
    this.votes = new VoteStore(db)
    this.votingPower = new VotingPower({ db, publicClient: deps.publicClient, token: deps.token, clock })
    this.delegations = new Delegations({ db, clock, votingPower: this.votingPower })
    if (deps.snapshot) {
      const fetcher = deps.fetch ?? fetch
      const sequencerUrl = deps.snapshot.sequencerUrl ?? sequencerUrlFor(deps.snapshot.hubUrl)
      this.relay = new SnapshotRelay({ db, clock, logger: deps.logger, fetch: fetcher, sequencerUrl, perMinute: deps.snapshot.relayPerMinute })
      this.aliases = new SnapshotAliases({ db, clock, secrets: deps.secrets, relay: this.relay, publicUrl: deps.publicUrl, space: deps.snapshot.space })
      this.relay.attachAliases(this.aliases)
      const hub = new SnapshotHub({ hubUrl: deps.snapshot.hubUrl, fetch: fetcher })
      this.mirror = new SnapshotMirror({ db, clock, hub, space: deps.snapshot.space, decimals: deps.units.decimals, publicUrl: deps.publicUrl })
    }
  }

  get snapshotSpace(): string | undefined {
    return this.deps.snapshot?.space
  }

  proposal(id: string): ProposalView {
    return this.store.get(id, this.deps.clock())
  }

  list(filter?: 'active' | 'closed'): ProposalView[] {
    return this.store.list(filter, this.deps.clock())
  }

  /** Autocomplete for proposal ids: those still open, soonest to close first. */
  openProposalIds(): string[] {
    return this.store.openIds(this.deps.clock())
  }

  /** The live tally (native) or the hub's scores (mirrored); the result once closed. */
  tally(proposal: ProposalView): TallyView {
    if (proposal.result) {
      const voters = this.votes.count(proposal.id)
      const { scores, scoresTotal, quorumMet, winner } = proposal.result
      return { scores, cast: BigInt(scoresTotal), quorumMet, winner, voters }
    }
    if (proposal.source === 'snapshot') {
      const voters = this.votes.count(proposal.id)
      // The hub's scores: Snapshot's strategies, not our token reads, decide a mirrored proposal.
      const row = this.store.row(proposal.id)
      const scores = JSON.parse(row.scores ?? '[]') as number[]
      return { scores, cast: BigInt(row.scoresTotal ?? '0'), quorumMet: row.quorumMet ?? false, winner: soleLeader(scores), voters }
    }
    const type = this.typeOf(proposal)
    const version = this.votes.version(proposal.id)
    const memo = this.tallies.get(proposal.id)
    if (memo?.version === version) return memo.tally
    const { votes, cast } = this.votes.tallyInputs(proposal.id, this.deps.units.decimals)
    const tally = tallyVotes(type, proposal.choices, votes)
    const view = { scores: tally.scores, cast, quorumMet: cast >= proposal.quorum, winner: tally.winner, voters: votes.length }
    this.tallies.set(proposal.id, { version, tally: view })
    return view
  }

  /** Every vote with its power and, for relayed ones, the signed envelope (audit). */
  voteRecords(proposalId: string): VoteRecord[] {
    const proposal = this.proposal(proposalId)
    const type = votingTypeOf(proposal.type)
    const names = new Map<number, string>()
    const nameOf = (id: number) => names.get(id) ?? names.set(id, this.delegations.nameOf(id)).get(id)!
    return this.votes.list(proposal.id).map((row) => {
      const choice = JSON.parse(row.choice) as unknown
      return {
        address: row.address,
        accountId: row.accountId,
        identity: row.identity,
        choice,
        choiceText: type && isValidChoice(type, choice, proposal.choices) ? describeChoice(type, choice, proposal.choices) : JSON.stringify(choice),
        power: row.power === null ? null : BigInt(row.power),
        votedAt: row.votedAt,
        source: row.source,
        signature: row.signature,
        receipt: row.receipt,
        envelope: row.envelope ? (JSON.parse(row.envelope) as unknown) : null,
        delegate: row.delegatorAccountId !== null && row.accountId !== null ? nameOf(row.accountId) : null,
      }
    })
  }

  /** The account's current choice on a proposal, in words, or null. */
  choiceOf(proposal: ProposalView, accountId: number): string | null {
    const row = this.votes.accountVotes(proposal.id, accountId)[0]
    if (!row) return null
    const type = votingTypeOf(proposal.type)
    return type ? describeChoice(type, JSON.parse(row.choice), proposal.choices) : row.choice
  }

  /** /propose: checks every field, the proposer's power (admins may always
   *  propose) and the snapshot block, then creates and announces it.
   *  @throws UserError naming each bad field, or the missing power */
  async propose({ accountId, isAdmin, fields }: { accountId: number; isAdmin: boolean; fields: ProposalFields }): Promise<ProposalView> {
    const { db, units, params, clock } = this.deps
    const draft = parseProposalDraft(fields, clock())
    if (!isAdmin) {
      const threshold = units.parse(params.get('proposal_threshold'), 'proposal_threshold', { allowZero: true })
      const addresses = this.walletsOf(accountId)
      const power = addresses.length ? await this.votingPower.current(addresses) : 0n
      if (power < threshold) {
        const hint = addresses.length ? '' : ' Link a wallet with /link first.'
        throw new UserError(`Proposing needs ${units.display(threshold)} of voting power, and your linked wallets hold less.${hint}`, 'BELOW_THRESHOLD')
      }
    }
    const latest = Number(await this.votingPower.latestBlock())
    if (draft.snapshotBlock !== undefined && draft.snapshotBlock > latest)
      throw new UserError(`Snapshot block ${draft.snapshotBlock} is in the future; the chain is at block ${latest}. Leave snapshot out to use the current block.`, 'BAD_PROPOSAL')
    const quorum = units.parse(params.get('quorum'), 'quorum', { allowZero: true })
    const now = clock()
    return db.transaction((tx) => {
      const row = this.store.insertNative(tx, { ...draft, snapshotBlock: draft.snapshotBlock ?? latest, quorum, authorAccountId: accountId, now })
      const view = toProposalView(row, now)
      enqueueNotification(tx, { dedupeKey: `proposal.new:${view.id}`, accountId: null, topic: 'governance', reply: withVoteButtons(newProposalAnnouncement(units, view, now), anyoneActionIn(db, now), view, now), now })
      return view
    })
  }

  /** /vote and the choice buttons. A native vote covers every wallet of the
   *  account with power at the snapshot block and replaces an earlier one;
   *  on a mirrored proposal it is signed by the user's alias and relayed.
   *  @throws UserError outside the voting window, for a bad choice, no linked wallet or no power */
  async vote({ accountId, identity, proposalId, choice }: { accountId: number; identity: string; proposalId: string; choice: string | VoteChoice }): Promise<VoteOutcome> {
    const { db, clock, units } = this.deps
    const proposal = this.proposal(proposalId)
    this.checkWindow(proposal, clock())
    const type = this.typeOf(proposal)
    const parsed = typeof choice === 'string' ? parseVoteChoice(choice, type, proposal.choices) : this.checkedChoice(type, choice, proposal)
    const addresses = this.walletsOf(accountId)
    // A delegate with no wallet of its own still votes with what it carries (native only).
    const delegated = proposal.source === 'native' ? await delegatedPowerAt(this, this.store.row(proposal.id), accountId) : new Map()
    if (addresses.length === 0 && delegated.size === 0) throw new UserError('Voting power comes from linked wallets and you have none; link one with /link, then vote again.', 'NO_WALLET')
    if (proposal.source === 'snapshot') return this.relayVote(proposal, accountId, addresses, parsed)
    const powers = await this.votingPower.atSnapshot(proposal, addresses)
    const power = [...powers.values()].reduce((a, b) => a + b, 0n)
    if (power + sumPowers(delegated) === 0n) {
      const which = addresses.length === 1 ? `Your linked wallet ${addresses[0]} held` : `Your ${addresses.length} linked wallets held`
      throw new UserError(`${which} no ${units.symbol} at block ${proposal.snapshotBlock}, the snapshot of ${proposal.id}, so you have no voting power on it.`, 'NO_POWER')
    }
    return db.transaction((tx) => {
      const now = clock()
      // Reading balances took time: the window is checked again where the vote is written.
      this.checkWindow(proposal, now)
      const { previous, counted } = this.votes.recordChatVote(tx, { proposalId: proposal.id, accountId, identity, choice: parsed, powers, delegated, now })
      const choiceText = describeChoice(type, parsed, proposal.choices)
      notifyDelegators(tx, { units, delegations: this.delegations }, { proposal, delegate: accountId, choice: choiceText, choiceKey: JSON.stringify(parsed), counted, now })
      const carried = sumPowers(counted)
      return {
        kind: 'native' as const,
        proposal,
        choice: choiceText,
        previous: previous === null ? null : describeChoice(type, JSON.parse(previous), proposal.choices),
        power: power + carried,
        wallets: [...powers.values()].filter((p) => p > 0n).length,
        ...(counted.size > 0 ? { delegated: { power: carried, accounts: counted.size } } : {}),
      }
    })
  }

  /** /authorize: the signing page link for a new alias key. */
  authorize(accountId: number): { url: string; expiresAt: number; alias: Address } {
    assertNotFrozen(this.deps.db, accountId, '/authorize')
    return this.requireSnapshot().request(accountId)
  }

  describeAuthorization(token: string, address?: string): Promise<AliasRequestView> {
    return this.requireSnapshot().describe(token, address)
  }

  completeAuthorization(params: { token: string; address: string; signature: string; timestamp: number }): Promise<AliasOutcome> {
    return this.requireSnapshot().complete(params)
  }

  /** /revoke: destroys the account's alias keys. */
  revoke(accountId: number): number {
    return this.requireSnapshot().revoke(accountId)
  }

  // Scheduler jobs. Each is safe to run again at any time.

  /** Marks proposals whose voting began as active and announces that they are open. */
  openDue(): string[] {
    const { db, clock, units } = this.deps
    const now = clock()
    const due = this.store.dueToOpen(now)
    db.transaction((tx) => {
      for (const row of due) {
        tx.update(proposals).set({ status: 'active' }).where(eq(proposals.id, row.id)).run()
        const view = toProposalView({ ...row, status: 'active' }, now)
        enqueueNotification(tx, {
          dedupeKey: `proposal.open:${row.id}`,
          accountId: null,
          topic: 'governance',
          reply: withVoteButtons({ title: `Voting is open on ${row.id}: ${row.title}`, text: `${newProposalAnnouncement(units, view, now).text}` }, anyoneActionIn(db, now), view, now),
          now,
        })
      }
    })
    return due.map((r) => r.id)
  }

  /** Tallies ended proposals, executes passed parameter changes, announces results. */
  closeDue(): CloseOutcome[] {
    const { db, units, params, clock } = this.deps
    return closeDueProposals({ db, units, params, store: this.store, votes: this.votes, clock })
  }

  /** 24 h and 1 h reminders to holders with power who have not voted. */
  remind(): Promise<number> {
    const { db, units, clock } = this.deps
    return remindVoters({ db, units, store: this.store, votes: this.votes, votingPower: this.votingPower, delegations: this.delegations, clock })
  }

  /** Snapshot mode: sends queued envelopes within the sequencer's rate (run often; cheap when idle). */
  relayQueued(): Promise<number> {
    return this.relay?.flush() ?? Promise.resolve(0)
  }

  /** Snapshot mode: mirror the space, send queued envelopes, warn of aliases running out. */
  async syncSnapshot(): Promise<{ added: string[]; relayed: number; warned: number }> {
    if (!this.mirror || !this.relay || !this.aliases) return { added: [], relayed: 0, warned: 0 }
    const { added } = await this.mirror.sync()
    const relayed = await this.relay.flush()
    return { added, relayed, warned: this.aliases.warnExpiring() }
  }

  private async relayVote(proposal: ProposalView, accountId: number, addresses: Address[], choice: VoteChoice): Promise<VoteOutcome> {
    const { db, clock } = this.deps
    const aliases = this.requireSnapshot()
    assertNotFrozen(db, accountId, 'voting through the bot')
    const grants = aliases.signersFor(accountId, addresses)
    if (grants.length === 0) {
      const expired = aliases.list(accountId).some((a) => a.sealedKey !== null && a.expiresAt <= clock())
      throw new UserError(
        expired
          ? 'Your Snapshot authorization has run out (they last 30 days); run /authorize to renew it, then vote again.'
          : 'Voting on Snapshot proposals from chat needs one signature first: run /authorize, then vote again.',
        'NOT_AUTHORIZED',
      )
    }
    const now = clock()
    // The signer refuses anything but a vote in this space (spaceVoteSigner).
    const envelopes = await Promise.all(
      grants.map(({ address, signer }) =>
        voteEnvelope(
          signer.address,
          { from: address, space: this.deps.snapshot!.space, proposal: proposal.externalId!, type: proposal.type, choice, timestamp: this.voteTimestamp(proposal.id, address, now), app: 'gridshare' },
          (typed) => signer.signVote(typed),
        ),
      ),
    )
    const ids = db.transaction((tx) =>
      grants.map(({ address }, i) => this.relay!.enqueue(tx, { kind: 'vote', accountId, proposalId: proposal.id, address, envelope: envelopes[i]!, now })),
    )
    const answers = await this.relay!.sendNow(ids)
    return {
      kind: 'relayed',
      proposal,
      choice: describeChoice(this.typeOf(proposal), choice, proposal.choices),
      answers: grants.map(({ address, waitingForAlias }, i) => {
        const answer = answers.get(ids[i]!)!
        return { address, answer: answer.status === 'queued' && waitingForAlias ? { status: 'queued' as const, waitingForAlias: true } : answer }
      }),
    }
  }

  /** Seconds, and later than this wallet's last relayed vote on the proposal: Snapshot keeps
   *  the latest timestamp and refuses a change in the same second unless its hash sorts higher. */
  private voteTimestamp(proposalId: string, address: string, now: number): number {
    const last = this.deps.db
      .select({ at: sql<number | null>`max(json_extract(${snapshotRelays.envelope}, '$.data.message.timestamp'))` })
      .from(snapshotRelays)
      .where(and(eq(snapshotRelays.kind, 'vote'), eq(snapshotRelays.proposalId, proposalId), eq(snapshotRelays.address, address), ne(snapshotRelays.status, 'rejected')))
      .get()?.at
    return Math.max(Math.floor(now / 1000), (last ?? 0) + 1)
  }

  private checkWindow(proposal: ProposalView, now: number): void {
    if (now < proposal.startAt) throw new UserError(`Voting on ${proposal.id} opens ${utcMinute(proposal.startAt)}; vote then.`, 'NOT_OPEN')
    if (now >= proposal.endAt || (proposal.result && proposal.source === 'native'))
      throw new UserError(`Voting on ${proposal.id} closed ${utcMinute(proposal.endAt)}; /proposal ${proposal.id} shows the result.`, 'CLOSED')
  }

  private typeOf(proposal: ProposalView): VotingType {
    const type = votingTypeOf(proposal.type)
    if (!type) throw new UserError(`${proposal.id} uses ${proposal.type} voting, which chat does not support; vote on snapshot.org instead.`, 'UNSUPPORTED_TYPE')
    return type
  }

  private checkedChoice(type: VotingType, choice: VoteChoice, proposal: ProposalView): VoteChoice {
    if (!isValidChoice(type, choice, proposal.choices)) throw new UserError(`That is not a valid choice on ${proposal.id}; /proposal ${proposal.id} shows the choices.`, 'BAD_CHOICE')
    return choice
  }

  private walletsOf(accountId: number): Address[] {
    return this.deps.db
      .select({ address: wallets.address })
      .from(wallets)
      .where(eq(wallets.accountId, accountId))
      .orderBy(wallets.linkedAt)
      .all()
      .map((w) => w.address as Address)
  }

  private requireSnapshot(): SnapshotAliases {
    if (!this.aliases) throw new UserError('Snapshot voting is not set up here (no Snapshot space configured); native proposals need no authorization.', 'NO_SNAPSHOT')
    return this.aliases
  }

}
