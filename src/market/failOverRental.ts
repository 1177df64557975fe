import { eq } from 'drizzle-orm'
import { rentals as rentalRows, type Rental } from '../db/schema/market.ts'
import { UserError } from '../errors/AppError.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import { QUOTE_TTL_MS } from './quoteRental.ts'
import type { SecretBox } from '../app/SecretBox.ts'
import type { Db } from '../db/openDatabase.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import type { Quote, QuoteParameters, QuotePayload } from './quoteRental.ts'
import type { Slashing } from './Slashing.ts'

/** The parts of Rentals a failover uses. */
export interface FailOverTarget {
  end(id: string, status: 'failed', options: { servedUntil: number; reason?: string; silent?: boolean }): Rental | undefined
  quote(params: QuoteParameters): Quote
  confirm(params: { accountId: number; quote: QuotePayload; continues?: boolean }): Rental
}

export interface FailOverDeps {
  db: Db
  units: TokenUnits
  secrets: SecretBox
  clock: () => number
  slashing?: Pick<Slashing, 'compensateFailure'>
}

/** A rental whose node failed: settled for the time served, the renter paid
 *  from the provider's bond, and re-placed on another provider's node if one
 *  can take the remaining hours (same price cap). One transaction. */
export function failOverRental(rentals: FailOverTarget, deps: FailOverDeps, rental: Rental, reason: string, servedUntil: number): void {
const { db, units, clock, secrets } = deps
  const now = clock()
  const remainingHours =
    rental.startedAt === null ? rental.hours : Math.max(0, Math.ceil(((rental.endsAt ?? now) - Math.max(servedUntil, rental.startedAt)) / 3600_000))
  db.transaction(() => {
    const ended = rentals.end(rental.id, 'failed', { servedUntil: Math.max(servedUntil, rental.startedAt ?? servedUntil), reason, silent: true })
    if (!ended) return
    const compensation = deps.slashing?.compensateFailure(ended, reason) ?? 0n
    let replacement: Rental | undefined
    if (remainingHours > 0) {
      try {
        const quote = rentals.quote({
          accountId: rental.accountId,
          model: rental.model,
          hours: remainingHours,
          gpuCount: rental.gpuCount,
          maxPrice: BigInt(rental.pricePerGpuHour),
          // The same provider's other nodes may share the failure (one host, one operator).
          excludeProviderOf: rental.nodeId,
        })
        replacement = rentals.confirm({
          accountId: rental.accountId,
          quote: { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString(), expiresAt: now + QUOTE_TTL_MS },
          continues: true,
        })
        // The same image, even if the catalogue dropped it since: the renter's work expects it. The same SSH keys:
        // a key added since the renter confirmed must not ride in on a move (sshKeySnapshot.ts).
        db.update(rentalRows).set({ replacesId: rental.id, imageName: rental.imageName, image: rental.image, sshKeyFingerprints: rental.sshKeyFingerprints }).where(eq(rentalRows.id, replacement.id)).run()
      } catch (error) {
        if (!(error instanceof UserError) && !(error as { userMessage?: string }).userMessage) throw error
      }
    }
    const refund = units.display(BigInt(ended.refunded ?? '0'))
    const paid = compensation > 0n ? `, and paid ${units.display(compensation)} from the provider's bond for the failure` : ''
    enqueueNotification(db, {
      dedupeKey: `rental.failed:${rental.id}`,
      accountId: rental.accountId,
      topic: 'jobs',
      reply: replacement
        ? {
            title: `Rental ${rental.id} moved to ${replacement.id}`,
            text: `${rental.id} stopped because ${reason.replace(/\.+$/, '')}. You were refunded ${refund} for unserved time${paid}, and ${replacement.id} (${remainingHours} h on node ${replacement.nodeId}) is starting; you get its connection details when it runs.`,
          }
        : {
            title: `Rental ${rental.id} ended`,
            text: `${rental.id} stopped because ${reason}, and no other node can take it now. You were refunded ${refund} for unserved time${paid}.`,
          },
      now,
      sealWith: secrets,
    })
  })
}
