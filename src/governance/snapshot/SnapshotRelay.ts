import { and, asc, count, eq, inArray, lte, or, sql } from 'drizzle-orm'
import type { Logger } from '../../app/logger.ts'
import type { Db } from '../../db/openDatabase.ts'
import { governanceVotes, snapshotRelays, type SnapshotRelayRow } from '../../db/schema/governance.ts'
import { enqueueNotification } from '../../notify/enqueueNotification.ts'
import { envelopeId, type SnapshotEnvelope } from './snapshotEnvelope.ts'

export interface SnapshotRelayDeps {
  db: Db
  clock: () => number
  logger: Logger
  fetch: typeof fetch
  /** Where envelopes are POSTed (Snapshot's sequencer). */
  sequencerUrl: string
  /** The sequencer allows 100 requests a minute from one client. */
  perMinute?: number
  maxAttempts?: number
}

/** `undelivered`: the answer came from something that is not a Snapshot
 *  sequencer (a wrong SNAPSHOT_SEQUENCER_URL). `waitingForAlias`: the vote is
 *  signed by an alias Snapshot has not accepted yet, and goes once it has. */
export type RelayAnswer =
  | { status: 'accepted'; id: string }
  | { status: 'rejected'; error: string; undelivered?: boolean }
  | { status: 'queued'; waitingForAlias?: boolean }

type PostResult = { kind: 'accepted'; id: string } | { kind: 'rejected'; error: string; undelivered?: boolean } | { kind: 'retry'; error: string }

/** What the alias keeper does when Snapshot answers about its aliases. */
export interface RelayAliasHooks {
  /** Inside the transaction that records an Alias envelope's answer. */
  aliasAnswered(tx: Db, row: SnapshotRelayRow, envelope: SnapshotEnvelope, answer: RelayAnswer, now: number): void
  /** A vote refused "wrong alias": the same vote signed by the wallet's newer alias still on its way, or null. */
  resignWithPendingAlias(row: SnapshotRelayRow, envelope: SnapshotEnvelope): Promise<SnapshotEnvelope | null>
}

const LEASE_MS = 5 * 60_000
/** Passes of one flush: an alias accepted in a pass frees the votes waiting on it for the next. */
const MAX_FLUSH_ROUNDS = 5

/** A vote signed by an alias whose Alias envelope is still queued waits: sent
 *  first, Snapshot would refuse it for good ("wrong alias"). */
const NOT_WAITING_FOR_ALIAS = sql`not exists (
  select 1 from snapshot_relays pending_alias
  where pending_alias.kind = 'alias' and pending_alias.status in ('queued', 'sending')
    and pending_alias.account_id = snapshot_relays.account_id and pending_alias.address = snapshot_relays.address
    and json_extract(pending_alias.envelope, '$.data.message.alias') = json_extract(snapshot_relays.envelope, '$.address'))`

/** The queue of envelopes for the sequencer: rate-limited, retried on network
 *  trouble, and answered to the user either in the reply that queued them or
 *  by DM. A re-sent envelope is harmless: the sequencer refuses duplicates and
 *  we count that as accepted (the id is the envelope's hash). */
export class SnapshotRelay {
  /** Send times in the last minute (this process is the only sender). */
  private readonly sent: number[] = []
  private aliasHooks?: RelayAliasHooks

  constructor(private readonly deps: SnapshotRelayDeps) {}

  /** The alias keeper, told of every Alias answer and asked about "wrong alias" refusals. */
  attachAliases(hooks: RelayAliasHooks): void {
    this.aliasHooks = hooks
  }

  /** Queues an envelope; call inside the transaction that decided to send it. */
  enqueue(tx: Db, params: { kind: 'alias' | 'vote'; accountId: number; proposalId?: string; address: string; envelope: SnapshotEnvelope; now: number }): number {
    return tx
      .insert(snapshotRelays)
      .values({
        kind: params.kind,
        accountId: params.accountId,
        proposalId: params.proposalId ?? null,
        address: params.address,
        envelope: JSON.stringify(params.envelope),
        status: 'queued',
        reportTo: 'dm',
        nextAttemptAt: params.now,
        createdAt: params.now,
      })
      .returning({ id: snapshotRelays.id })
      .get().id
  }

  /** Sends these queued envelopes now if the rate allows, for a reply that
   *  waits; whatever cannot go now stays queued and is answered by DM. */
  async sendNow(ids: number[]): Promise<Map<number, RelayAnswer>> {
    const answers = new Map<number, RelayAnswer>(ids.map((id) => [id, { status: 'queued' }]))
    const claimed = this.claim(ids, 'reply')
    await Promise.all(claimed.map(async (row) => answers.set(row.id, await this.deliver(row))))
    return answers
  }

  /** The scheduler's pass: sends what is due, within the rate, oldest first;
   *  each row is claimed just before it is sent, so a vote queued behind its
   *  alias goes in the round after the alias is accepted. */
  async flush(): Promise<number> {
    let sent = 0
    for (let round = 0; round < MAX_FLUSH_ROUNDS; round++) {
      const now = this.deps.clock()
      const due = this.deps.db
        .select({ id: snapshotRelays.id })
        .from(snapshotRelays)
        .where(
          and(
            or(eq(snapshotRelays.status, 'queued'), eq(snapshotRelays.status, 'sending')),
            lte(snapshotRelays.nextAttemptAt, now),
            // A frozen account's queued envelopes wait: the bot signs and sends nothing for it.
            sql`${snapshotRelays.accountId} not in (select id from accounts where frozen_at is not null)`,
            NOT_WAITING_FOR_ALIAS,
          ),
        )
        .orderBy(asc(snapshotRelays.id))
        .limit(this.budget(now))
        .all()
      let claimedAny = false
      for (const { id } of due) {
        const [row] = this.claim([id], 'dm')
        if (!row) continue
        claimedAny = true
        sent++
        await this.deliver(row)
      }
      if (!claimedAny) break
    }
    return sent
  }

  pending(): number {
    return this.deps.db.select({ n: count() }).from(snapshotRelays).where(inArray(snapshotRelays.status, ['queued', 'sending'])).get()!.n
  }

  /** Marks rows as being sent (a lease, so a crash mid-send retries later) and
   *  takes a send slot for each. Synchronous: two passes never claim one row. */
  private claim(ids: number[], reportTo: 'reply' | 'dm'): SnapshotRelayRow[] {
    const now = this.deps.clock()
    const claimed: SnapshotRelayRow[] = []
    for (const id of ids) {
      if (this.budget(now) <= 0) break
      const row = this.deps.db
        .update(snapshotRelays)
        .set({ status: 'sending', reportTo, nextAttemptAt: now + LEASE_MS })
        .where(
          and(
            eq(snapshotRelays.id, id),
            or(eq(snapshotRelays.status, 'queued'), eq(snapshotRelays.status, 'sending')),
            lte(snapshotRelays.nextAttemptAt, now),
            NOT_WAITING_FOR_ALIAS,
          ),
        )
        .returning()
        .get()
      if (!row) continue
      this.sent.push(now)
      claimed.push(row)
    }
    return claimed
  }

  private budget(now: number): number {
    while (this.sent.length > 0 && this.sent[0]! <= now - 60_000) this.sent.shift()
    return (this.deps.perMinute ?? 100) - this.sent.length
  }

  private async deliver(row: SnapshotRelayRow): Promise<RelayAnswer> {
    const envelope = JSON.parse(row.envelope) as SnapshotEnvelope
    const result = await this.post(envelope)
    const now = this.deps.clock()
    const { db } = this.deps
    if (result.kind === 'retry') {
      const attempts = row.attempts + 1
      if (attempts < (this.deps.maxAttempts ?? 6)) {
        this.deps.logger.warn({ relay: row.id, error: result.error, attempts }, 'snapshot sequencer unavailable; will retry')
        db.update(snapshotRelays)
          .set({ status: 'queued', reportTo: 'dm', attempts, answer: result.error, nextAttemptAt: now + 30_000 * 2 ** (attempts - 1) })
          .where(eq(snapshotRelays.id, row.id))
          .run()
        return { status: 'queued' }
      }
      return this.record(row, { kind: 'rejected', error: `the Snapshot sequencer did not answer (${result.error})` }, attempts, envelope, now)
    }
    if (result.kind === 'rejected' && result.error === 'wrong alias' && row.kind === 'vote' && this.aliasHooks) {
      // Refused under an alias Snapshot does not know while a newer one is on its way: the same vote, signed by that one, waits for it.
      const resigned = await this.aliasHooks.resignWithPendingAlias(row, envelope)
      if (resigned) {
        db.update(snapshotRelays)
          .set({ status: 'queued', reportTo: 'dm', envelope: JSON.stringify(resigned), attempts: row.attempts + 1, answer: result.error, nextAttemptAt: this.deps.clock() })
          .where(eq(snapshotRelays.id, row.id))
          .run()
        return { status: 'queued', waitingForAlias: true }
      }
    }
    return this.record(row, result, row.attempts + 1, envelope, now)
  }

  private record(row: SnapshotRelayRow, result: Exclude<PostResult, { kind: 'retry' }>, attempts: number, envelope: SnapshotEnvelope, now: number): RelayAnswer {
    const answer: RelayAnswer =
      result.kind === 'accepted' ? { status: 'accepted', id: result.id } : { status: 'rejected', error: result.error, ...(result.undelivered ? { undelivered: true } : {}) }
    this.deps.db.transaction((tx) => {
      tx.update(snapshotRelays)
        .set({ status: answer.status as 'accepted' | 'rejected', answer: result.kind === 'accepted' ? result.id : result.error, attempts, answeredAt: now })
        .where(eq(snapshotRelays.id, row.id))
        .run()
      if (row.kind === 'vote' && result.kind === 'accepted' && row.proposalId) {
        const message = envelope.data.message
        const choice = envelope.data.types.Vote?.find((f) => f.name === 'choice')?.type === 'string' ? JSON.parse(String(message.choice)) : message.choice
        const values = {
          accountId: row.accountId,
          choice: JSON.stringify(choice),
          votedAt: Number(message.timestamp) * 1000,
          source: 'relay' as const,
          signature: envelope.sig,
          envelope: row.envelope,
          receipt: result.id,
        }
        tx.insert(governanceVotes)
          .values({ proposalId: row.proposalId, address: row.address, identity: null, power: null, ...values })
          .onConflictDoUpdate({ target: [governanceVotes.proposalId, governanceVotes.address], set: values })
          .run()
      }
      if (row.kind === 'alias') this.aliasHooks?.aliasAnswered(tx, row, envelope, answer, now)
      if (row.reportTo === 'dm') {
        enqueueNotification(tx, { dedupeKey: `snapshot.relay:${row.id}`, accountId: row.accountId, topic: 'governance', reply: { text: describeAnswer(row, answer) }, now })
      }
      if (row.kind === 'alias' && answer.status === 'rejected') this.refuseVotesWaitingOn(tx, row, envelope, answer.error, now)
    })
    return answer
  }

  /** Votes signed by an alias Snapshot refused cannot count: refused too, and said why. */
  private refuseVotesWaitingOn(tx: Db, aliasRow: SnapshotRelayRow, aliasEnvelope: SnapshotEnvelope, error: string, now: number): void {
    const alias = String(aliasEnvelope.data.message.alias)
    const waiting = tx
      .select()
      .from(snapshotRelays)
      .where(
        and(
          eq(snapshotRelays.kind, 'vote'),
          eq(snapshotRelays.status, 'queued'),
          eq(snapshotRelays.accountId, aliasRow.accountId),
          eq(snapshotRelays.address, aliasRow.address),
          sql`json_extract(${snapshotRelays.envelope}, '$.address') = ${alias}`,
        ),
      )
      .all()
    const reason = `it was signed under your new authorization, which Snapshot refused (${error}); run /authorize, then vote again`
    for (const vote of waiting) {
      tx.update(snapshotRelays).set({ status: 'rejected', answer: reason, answeredAt: now }).where(eq(snapshotRelays.id, vote.id)).run()
      enqueueNotification(tx, {
        dedupeKey: `snapshot.relay:${vote.id}`,
        accountId: vote.accountId,
        topic: 'governance',
        reply: { text: describeAnswer(vote, { status: 'rejected', error: reason }) },
        now,
      })
    }
  }

  private async post(envelope: SnapshotEnvelope): Promise<PostResult> {
    let response: Response
    try {
      response = await this.deps.fetch(this.deps.sequencerUrl, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify(envelope),
        signal: AbortSignal.timeout(15_000),
      })
    } catch (error) {
      return { kind: 'retry', error: (error as Error).message }
    }
    const text = await response.text().catch(() => '')
    const body = parseJson(text) as { id?: unknown; error?: unknown; error_description?: unknown } | undefined
    if (response.ok && typeof body?.id === 'string') return { kind: 'accepted', id: body.id }
    const described = body?.error_description ?? body?.error
    const error = typeof described === 'string' ? described : described === undefined ? `HTTP ${response.status}` : JSON.stringify(described)
    // Busy, rate-limited or down: worth another try. (425: the same envelope is being processed.)
    if (response.status === 429 || response.status === 425 || response.status >= 500) return { kind: 'retry', error: `HTTP ${response.status}: ${error}` }
    if (error === 'duplicate message') return { kind: 'accepted', id: envelopeId(envelope) }
    if (body && described !== undefined) return { kind: 'rejected', error }
    // Not a Snapshot answer at all (a 404 page from a hub's root, a proxy): asking again changes nothing.
    this.deps.logger.error(
      { sequencerUrl: withoutCredentials(this.deps.sequencerUrl), status: response.status, body: text.slice(0, 200) },
      'the Snapshot sequencer URL did not answer as a sequencer; check SNAPSHOT_SEQUENCER_URL',
    )
    return { kind: 'rejected', error: `the bot's Snapshot sequencer address answered HTTP ${response.status} instead of Snapshot; an admin must fix it`, undelivered: true }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url)
    parsed.username = ''
    parsed.password = ''
    return parsed.toString()
  } catch {
    return '(unparseable URL)'
  }
}

export function describeAnswer(row: Pick<SnapshotRelayRow, 'kind' | 'proposalId' | 'address'>, answer: RelayAnswer): string {
  const what = row.kind === 'vote' ? `your vote on ${row.proposalId} from ${row.address}` : `the voting authorization for ${row.address}`
  if (answer.status === 'accepted') return `Snapshot accepted ${what} (receipt ${answer.id}).`
  const What = what.charAt(0).toUpperCase() + what.slice(1)
  if (answer.status === 'rejected' && answer.undelivered) return `${What} could not be delivered: ${answer.error}.`
  // Snapshot does not (or no longer) know the alias the vote was signed with.
  if (answer.status === 'rejected' && answer.error === 'wrong alias' && row.kind === 'vote') return `Snapshot refused ${what}: wrong alias. Run /authorize to renew the bot's authorization, then vote again.`
  if (answer.status === 'rejected') return `Snapshot refused ${what}: ${answer.error}.`
  if (answer.waitingForAlias) return `${What} waits for Snapshot to accept your authorization, then goes; you get a message with its answer.`
  return `${What} is queued for Snapshot; you get a message with its answer.`
}
