import { and, asc, count, eq, inArray, lte, or, sql } from 'drizzle-orm'
import type { Logger } from '../../app/logger.ts'
import type { Db } from '../../db/openDatabase.ts'
import { governanceVotes, snapshotAliases, snapshotRelays, type SnapshotRelayRow } from '../../db/schema/governance.ts'
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

export type RelayAnswer = { status: 'accepted'; id: string } | { status: 'rejected'; error: string } | { status: 'queued' }

type PostResult = { kind: 'accepted'; id: string } | { kind: 'rejected'; error: string } | { kind: 'retry'; error: string }

const LEASE_MS = 5 * 60_000

/** The queue of envelopes for the sequencer: rate-limited, retried on network
 *  trouble, and answered to the user either in the reply that queued them or
 *  by DM. A re-sent envelope is harmless: the sequencer refuses duplicates and
 *  we count that as accepted (the id is the envelope's hash). */
export class SnapshotRelay {
  /** Send times in the last minute (this process is the only sender). */
  private readonly sent: number[] = []

  constructor(private readonly deps: SnapshotRelayDeps) {}

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

  /** The scheduler's pass: sends what is due, within the rate. */
  async flush(): Promise<number> {
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
        ),
      )
      .orderBy(asc(snapshotRelays.id))
      .limit(this.budget(now))
      .all()
    const claimed = this.claim(
      due.map((r) => r.id),
      'dm',
    )
    for (const row of claimed) await this.deliver(row)
    return claimed.length
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
        .where(and(eq(snapshotRelays.id, id), or(eq(snapshotRelays.status, 'queued'), eq(snapshotRelays.status, 'sending')), lte(snapshotRelays.nextAttemptAt, now)))
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
    return this.record(row, result, row.attempts + 1, envelope, now)
  }

  private record(row: SnapshotRelayRow, result: Exclude<PostResult, { kind: 'retry' }>, attempts: number, envelope: SnapshotEnvelope, now: number): RelayAnswer {
    const answer: RelayAnswer = result.kind === 'accepted' ? { status: 'accepted', id: result.id } : { status: 'rejected', error: result.error }
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
      if (row.kind === 'alias' && result.kind === 'rejected') {
        // An alias Snapshot refused can sign nothing that counts: destroy it.
        tx.update(snapshotAliases).set({ sealedKey: null, revokedAt: now }).where(eq(snapshotAliases.address, row.address)).run()
      }
      if (row.reportTo === 'dm') {
        enqueueNotification(tx, { dedupeKey: `snapshot.relay:${row.id}`, accountId: row.accountId, topic: 'governance', reply: { text: describeAnswer(row, answer) }, now })
      }
    })
    return answer
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
    const body = (await response.json().catch(() => undefined)) as { id?: string; error?: string; error_description?: unknown } | undefined
    if (response.ok && typeof body?.id === 'string') return { kind: 'accepted', id: body.id }
    if (response.status === 429 || response.status >= 500 || !body) return { kind: 'retry', error: `HTTP ${response.status}` }
    const error = String(body.error_description ?? body.error ?? `HTTP ${response.status}`)
    if (error === 'duplicate message') return { kind: 'accepted', id: envelopeId(envelope) }
    return { kind: 'rejected', error }
  }
}

export function describeAnswer(row: Pick<SnapshotRelayRow, 'kind' | 'proposalId' | 'address'>, answer: RelayAnswer): string {
  const what = row.kind === 'vote' ? `your vote on ${row.proposalId} from ${row.address}` : `the voting authorization for ${row.address}`
  if (answer.status === 'accepted') return `Snapshot accepted ${what} (receipt ${answer.id}).`
  if (answer.status === 'rejected') return `Snapshot refused ${what}: ${answer.error}.`
  return `${what.charAt(0).toUpperCase() + what.slice(1)} is queued for Snapshot; you get a message with its answer.`
}
