import { randomBytes } from 'node:crypto'
import { and, desc, eq, inArray, lte, sql } from 'drizzle-orm'
import type { Address } from 'viem'
import type { Logger } from '../app/logger.ts'
import type { SecretBox } from '../app/SecretBox.ts'
import { uniqueShortId } from '../app/shortId.ts'
import type { Db } from '../db/openDatabase.ts'
import { nodeGpus, nodes, providers, rentals, type Rental, type RentalStatus } from '../db/schema/market.ts'
import { UserError } from '../errors/AppError.ts'
import type { ProtocolParameters } from '../governance/ProtocolParameters.ts'
import { available, earnings, escrow, system } from '../ledger/balanceKeys.ts'
import type { Ledger } from '../ledger/Ledger.ts'
import { NegativeBalanceError } from '../ledger/LedgerErrors.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import { CapacityGoneError, InsufficientBalanceError, RentalNotFoundError, RentalStateError } from './MarketErrors.ts'
import { ForbiddenNodeError } from './NodeRegistry.ts'
import type { Slashing } from './Slashing.ts'
import { settle } from './settlement.ts'
import { failOverRental } from './failOverRental.ts'
import { prepareConfirmStatements } from './confirmStatements.ts'
import { OfferQuery, quoteRental, type Quote, type QuoteParameters, type QuotePayload } from './quoteRental.ts'
import { quoteNode, type NodeQuoteParameters } from './quoteNode.ts'
import { utcMinute } from '../time/utcMinute.ts'
import { assertNotFrozen } from '../identity/AccountSecurity.ts'
import { resolveWorkloadImage } from './workloadImages.ts'
import { connectionView } from './connectionView.ts'
import { assertWithinSpendLimit } from './SpendLimits.ts'
import { enableAutoExtend } from './autoExtend.ts'
import { nodeOwnerAccount } from './nodeOwnership.ts'
import { assertNotOwnNode } from './selfRental.ts'

const ACTIVE: RentalStatus[] = ['pending', 'provisioning', 'running']

export interface RentalsDeps {
  db: Db
  ledger: Ledger
  units: TokenUnits
  params: ProtocolParameters
  secrets: SecretBox
  clock: () => number
  logger: Logger
  /** An agent must claim a new rental within this, or it is re-placed. */
  claimTimeoutMs: number
  /** Called after a rental ends and frees GPUs on a node (availability alerts). */
  onCapacity?: (nodeId: string) => void
  /** Pays renters from the provider's bond when a node abandons their rental. */
  slashing?: Pick<Slashing, 'compensateFailure'>
}

export type EndStatus = 'completed' | 'stopped' | 'failed' | 'expired'

/** Rentals from quote to settlement. Every state change is one transaction,
 *  guarded by the state it comes from, so retries and races change nothing twice. */
export class Rentals {
  private readonly offers: OfferQuery
  private readonly statements: ReturnType<typeof prepareConfirmStatements>

  constructor(private readonly deps: RentalsDeps) {
    this.offers = new OfferQuery(deps.db)
    this.statements = prepareConfirmStatements(deps.db)
  }

  /** The cheapest fit, or the node the renter chose (quoteNode.ts). @throws NoCapacityError, NodeNotListedError, UserError */
  quote(params: QuoteParameters | NodeQuoteParameters): Quote {
    return 'nodeId' in params ? quoteNode(this.deps, params) : quoteRental({ ...this.deps, offers: this.offers }, params)
  }

  /** Escrows the quote's cost and allocates its GPUs in one transaction. A failover's replacement
   *  (`continues`) carries money already committed, so the renter's spend limit does not stop it.
   *  @throws UserError (quote expired, spend limit), CapacityGoneError, InsufficientBalanceError */
  confirm({ accountId, quote, image, autoExtendHours, continues }: { accountId: number; quote: QuotePayload; image?: string; autoExtendHours?: number; continues?: boolean }): Rental {
    const { db, secrets, clock } = this.deps
    const workload = resolveWorkloadImage(this.deps.params, image)
    const now = clock()
    // A frozen account's money moves for nothing new: renting a node the thief runs would pay them.
    assertNotFrozen(db, accountId, 'renting')
    if (quote.expiresAt <= now) throw new UserError('This quote expired (quotes last 2 minutes); run /rent again.', 'QUOTE_EXPIRED')
    const price = BigInt(quote.pricePerGpuHour)
    const total = price * BigInt(quote.gpuCount) * BigInt(quote.hours)
    return db.transaction(
      () => {
        const offer = this.statements.offerOf(quote.nodeId, quote.model)
        if (!offer || !offer.online || offer.total - offer.allocated < quote.gpuCount || BigInt(offer.pricePerGpuHour) > price) {
          throw new CapacityGoneError()
        }
        assertNotOwnNode(db, accountId, quote.nodeId)
        const id = this.newRentalId()
        if (!continues) assertWithinSpendLimit(db, this.deps.units, { accountId, amount: total, now })
        if (autoExtendHours) enableAutoExtend(db, id, autoExtendHours)
        this.escrow({ accountId, amount: total, kind: 'rental.escrow', idempotencyKey: `rental.escrow:${id}`, now })
        if (!this.statements.allocate(quote.nodeId, quote.model, quote.gpuCount)) throw new CapacityGoneError()
        return this.statements.insertRental({
          id,
          accountId,
          nodeId: quote.nodeId,
          model: quote.model,
          gpuCount: quote.gpuCount,
          hours: quote.hours,
          pricePerGpuHour: price.toString(),
          escrowed: total.toString(),
          status: 'pending',
          createdAt: now,
          claimBy: now + this.deps.claimTimeoutMs,
          accessSecretSealed: secrets.seal(randomBytes(18).toString('base64url')),
          imageName: workload.name,
          image: workload.reference,
          sshKeyFingerprints: this.statements.sshKeySnapshot(accountId),
        })
      },
    )
  }

  list(accountId: number, { activeOnly = false } = {}): Rental[] {
    return this.deps.db
      .select()
      .from(rentals)
      .where(activeOnly ? and(eq(rentals.accountId, accountId), inArray(rentals.status, ACTIVE)) : eq(rentals.accountId, accountId))
      .orderBy(desc(rentals.createdAt))
      .limit(20)
      .all()
  }

  /** @throws RentalNotFoundError for an id that is not this account's (never revealing whether it exists) */
  get(accountId: number, id: string): Rental {
    const rental = this.deps.db.select().from(rentals).where(eq(rentals.id, id.trim().toLowerCase())).get()
    if (!rental || rental.accountId !== accountId) throw new RentalNotFoundError(id)
    return rental
  }

  connectionDetails(rental: Rental): Record<string, string> | null {
    return rental.connectionSealed ? (JSON.parse(this.deps.secrets.open(rental.connectionSealed)) as Record<string, string>) : null
  }

  /** The renter ends a rental early; unused time is refunded. */
  stop({ accountId, id }: { accountId: number; id: string }): Rental {
    const rental = this.get(accountId, id)
    if (!ACTIVE.includes(rental.status)) throw new UserError(`Rental ${rental.id} already ended (${rental.status}).`, 'ALREADY_ENDED')
    return this.end(rental.id, 'stopped', { servedUntil: this.deps.clock() })!
  }

  /** Adds hours if the balance covers them; the GPUs stay allocated to this rental.
   *  @throws UserError, InsufficientBalanceError */
  extend({ accountId, id, hours }: { accountId: number; id: string; hours: number }): Rental {
    const { db, clock } = this.deps
    assertNotFrozen(db, accountId, 'extending a rental')
    const rental = this.get(accountId, id)
    if (!ACTIVE.includes(rental.status)) throw new UserError(`Rental ${rental.id} already ended (${rental.status}); start a new one with /rent.`, 'ALREADY_ENDED')
    if (rental.hours + hours > 720) throw new UserError(`A rental can last at most 720 hours; ${rental.id} has ${rental.hours}.`, 'TOO_LONG')
    const node = db.select({ online: nodes.online }).from(nodes).where(eq(nodes.id, rental.nodeId)).get()
    if (!node?.online) throw new UserError(`Node ${rental.nodeId} is offline, so ${rental.id} cannot be extended.`, 'NODE_OFFLINE')
    const cost = BigInt(rental.pricePerGpuHour) * BigInt(rental.gpuCount) * BigInt(hours)
    const now = clock()
    return db.transaction(
      (tx) => {
        assertWithinSpendLimit(tx, this.deps.units, { accountId, amount: cost, now })
        this.escrow({ accountId, amount: cost, kind: 'rental.extend', idempotencyKey: `rental.extend:${rental.id}:${rental.hours}+${hours}`, now })
        const updated = tx
          .update(rentals)
          .set({
            hours: rental.hours + hours,
            escrowed: (BigInt(rental.escrowed) + cost).toString(),
            endsAt: rental.endsAt === null ? null : rental.endsAt + hours * 3600_000,
          })
          .where(and(eq(rentals.id, rental.id), eq(rentals.hours, rental.hours), inArray(rentals.status, ACTIVE)))
          .returning()
          .get()
        if (!updated) throw new UserError(`Rental ${rental.id} changed meanwhile; try again.`, 'CONFLICT')
        return updated
      },
    )
  }

  /** Agent: takes a pending rental. Idempotent for a rental it already claimed. */
  claim(address: Address, id: string): Rental {
    const rental = this.agentRental(address, id)
    if (rental.status === 'provisioning' || rental.status === 'running') return rental
    if (rental.status !== 'pending') throw new RentalStateError(id, rental.status, 'claimed')
    // Re-read rather than trust the update: a concurrent claim may have won, and that row is the answer.
    this.deps.db.update(rentals).set({ status: 'provisioning' }).where(and(eq(rentals.id, id), eq(rentals.status, 'pending'))).run()
    return this.agentRental(address, id)
  }

  /** Agent: the workload is up; the renter gets the connection details privately. */
  reportRunning(address: Address, id: string, connection: Record<string, string>): Rental {
    const { db, secrets, clock } = this.deps
    const rental = this.agentRental(address, id)
    const relaunched = rental.status === 'running'
    if (relaunched && rental.connectionSealed && secrets.open(rental.connectionSealed) === JSON.stringify(connection)) return rental
    if (!relaunched && rental.status !== 'provisioning' && rental.status !== 'pending') throw new RentalStateError(id, rental.status, 'started')
    const now = clock()
    return db.transaction((tx) => {
      // A relaunched workload (agent restart) has new connection details but keeps its start and end.
      const started = tx
        .update(rentals)
        .set(
          relaunched
            ? { connectionSealed: secrets.seal(JSON.stringify(connection)) }
            : { status: 'running', startedAt: now, endsAt: now + rental.hours * 3600_000, connectionSealed: secrets.seal(JSON.stringify(connection)) },
        )
        .where(and(eq(rentals.id, id), inArray(rentals.status, relaunched ? ['running'] : ['pending', 'provisioning'])))
        .returning()
        .get()!
      enqueueNotification(tx, {
        dedupeKey: relaunched ? `rental.running:${id}:${now}` : `rental.running:${id}`,
        accountId: rental.accountId,
        topic: 'jobs',
        reply: {
          title: relaunched ? `Rental ${id} restarted: new connection details` : `Rental ${id} is running`,
          text: `${rental.gpuCount}× ${rental.model} on node ${rental.nodeId} until ${utcMinute(started.endsAt!)}.`,
          ...connectionView(connection),
          private: true,
        },
        now,
        sealWith: secrets,
      })
      return started
    })
  }

  /** Agent: the workload ended on its own (completed at its end time, or failed). */
  reportFinished(address: Address, id: string, outcome: 'completed' | 'failed', reason?: string): Rental {
    const rental = this.agentRental(address, id)
    const now = this.deps.clock()
    // Never billed past the paid end (settle() caps it too); an ended rental is not settled again and comes back as it is.
    const servedUntil = Math.min(now, rental.endsAt ?? now)
    return this.end(id, outcome, { servedUntil, reason: outcome === 'failed' ? reason ?? 'the workload failed' : undefined }) ?? this.agentRental(address, id)
  }

  /** Scheduler: ends rentals past their end time and re-places those never claimed or started. */
  expireDue(): { expired: number; replaced: number } {
    const { db, clock, claimTimeoutMs } = this.deps
    const now = clock()
    const due = db.select().from(rentals).where(and(eq(rentals.status, 'running'), lte(rentals.endsAt, now))).all()
    for (const rental of due) this.guarded(rental.id, () => this.end(rental.id, 'expired', { servedUntil: rental.endsAt! }))
    const stuck = db
      .select()
      .from(rentals)
      .where(
        sql`(${rentals.status} = 'pending' and ${rentals.claimBy} <= ${now}) or (${rentals.status} = 'provisioning' and ${rentals.claimBy} + ${claimTimeoutMs} <= ${now})`,
      )
      .all()
    for (const rental of stuck) this.guarded(rental.id, () => failOverRental(this, this.deps, rental, 'the provider did not start it in time', now))
    return { expired: due.length, replaced: stuck.length }
  }

  /** A node went offline: every active rental on it is settled for the time
   *  served (up to the last heartbeat) and re-placed if another node can take it. */
  handleNodeOffline(nodeId: string): number {
    const { db } = this.deps
    const node = db.select({ lastHeartbeatAt: nodes.lastHeartbeatAt }).from(nodes).where(eq(nodes.id, nodeId)).get()
    const active = db.select().from(rentals).where(and(eq(rentals.nodeId, nodeId), inArray(rentals.status, ACTIVE))).all()
    for (const rental of active) this.guarded(rental.id, () => failOverRental(this, this.deps, rental, 'its node went offline', node?.lastHeartbeatAt ?? this.deps.clock()))
    return active.length
  }

  /** One rental's trouble must not stop a scheduler pass over the others. */
  private guarded(rentalId: string, run: () => unknown): void {
    try {
      run()
    } catch (error) {
      this.deps.logger.error({ err: error, rental: rentalId }, 'rental housekeeping failed; retried next tick')
    }
  }

  /** Every offline node that still holds active rentals, each tick: a crash
   *  between marking a node offline and failing its rentals over loses nothing. */
  failOverOfflineNodes(): number {
    const stranded = this.deps.db
      .selectDistinct({ nodeId: rentals.nodeId })
      .from(rentals)
      .innerJoin(nodes, eq(nodes.id, rentals.nodeId))
      .where(and(eq(nodes.online, false), inArray(rentals.status, ACTIVE)))
      .all()
    return stranded.reduce((sum, { nodeId }) => sum + this.handleNodeOffline(nodeId), 0)
  }

  /** Settles and ends an active rental; returns undefined if it had already ended.
   *  Called by this class and by failOverRental, nowhere else. */
  end(id: string, status: EndStatus, { servedUntil, reason, silent }: { servedUntil: number; reason?: string; silent?: boolean }): Rental | undefined {
    const { db, ledger, units, params, clock } = this.deps
    const now = clock()
    const ended = db.transaction(
      (tx) => {
        const rental = tx.select().from(rentals).where(eq(rentals.id, id)).get()
        if (!rental || !ACTIVE.includes(rental.status)) return undefined
        const escrowed = BigInt(rental.escrowed)
        const result = settle({
          pricePerGpuHour: BigInt(rental.pricePerGpuHour),
          gpuCount: rental.gpuCount,
          hours: rental.hours,
          escrowed,
          startedAt: rental.startedAt,
          servedUntil,
          feeBps: params.getNumber('protocol_fee_bps'),
        })
        // A provider cannot unlink its wallet while its nodes have rentals (providerUnlinkBlocker).
        const providerAccount = nodeOwnerAccount(this.deps.db, rental.nodeId)!
        const entries = [
          { key: escrow(rental.accountId), amount: -escrowed },
          { key: available(rental.accountId), amount: result.refunded },
          { key: earnings(providerAccount), amount: result.providerEarns },
          { key: system('fees'), amount: result.fee },
        ].filter((e) => e.amount !== 0n)
        ledger.post({ kind: `rental.${status}`, idempotencyKey: `rental.settle:${id}`, entries, now })
        tx.update(nodeGpus)
          .set({ allocated: sql`max(0, ${nodeGpus.allocated} - ${rental.gpuCount})` })
          .where(and(eq(nodeGpus.nodeId, rental.nodeId), eq(nodeGpus.model, rental.model)))
          .run()
        const ended = tx
          .update(rentals)
          .set({
            status,
            endedAt: now,
            failureReason: reason ?? null,
            charged: result.charged.toString(),
            fee: result.fee.toString(),
            refunded: result.refunded.toString(),
          })
          .where(eq(rentals.id, id))
          .returning()
          .get()!
        if (!silent) {
          enqueueNotification(tx, {
            dedupeKey: `rental.ended:${id}`,
            accountId: rental.accountId,
            topic: 'jobs',
            reply: {
              title: `Rental ${id} ${status === 'failed' ? 'failed' : 'ended'}`,
              text:
                `${rental.gpuCount}× ${rental.model}: ${result.minutes} min billed, ${units.display(result.charged)} charged, ${units.display(result.refunded)} refunded.` +
                (reason ? ` Reason: ${reason.replace(/\.+$/, '')}.` : ''), // reasons may end with their own period
            },
            now,
          })
        }
        if (result.providerEarns > 0n) {
          enqueueNotification(tx, {
            dedupeKey: `rental.earned:${id}`,
            accountId: providerAccount,
            topic: 'payments',
            reply: { text: `Rental ${id} on node ${rental.nodeId} earned you ${units.display(result.providerEarns)} (after a ${units.display(result.fee)} protocol fee), paid with the next epoch's rewards.` },
            now,
          })
        }
        return ended
      },
    )
    if (ended) this.deps.onCapacity?.(ended.nodeId)
    return ended
  }

  /** Moves a renter's available funds to escrow. @throws InsufficientBalanceError */
  private escrow({ accountId, amount, kind, idempotencyKey, now }: { accountId: number; amount: bigint; kind: string; idempotencyKey: string; now: number }): void {
    const { ledger, units } = this.deps
    try {
      ledger.post({
        kind,
        idempotencyKey,
        entries: [
          { key: available(accountId), amount: -amount },
          { key: escrow(accountId), amount },
        ],
        now,
      })
    } catch (error) {
      if (!(error instanceof NegativeBalanceError)) throw error
      throw new InsufficientBalanceError({ needed: amount, available: ledger.balance(available(accountId)), format: (n) => units.display(n) })
    }
  }

  private agentRental(address: Address, id: string): Rental {
    const row = this.deps.db
      .select({ rental: rentals, address: providers.address })
      .from(rentals)
      .innerJoin(nodes, eq(nodes.id, rentals.nodeId))
      .innerJoin(providers, eq(providers.id, nodes.providerId))
      .where(eq(rentals.id, id))
      .get()
    if (!row || row.address !== address) throw new ForbiddenNodeError(row?.rental.nodeId ?? id)
    return row.rental
  }

  private newRentalId(): string {
    return uniqueShortId('r', 4, this.statements.rentalIdTaken)
  }
}


