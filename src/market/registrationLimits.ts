import { and, eq, gt, sql } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { nodes } from '../db/schema/market.ts'
import { AppError } from '../errors/AppError.ts'

/** Unverified nodes one provider may hold: spam cannot fill the tables. */
export const MAX_PENDING_NODES = 5
/** New nodes one provider wallet may register per hour. */
export const MAX_REGISTRATIONS_PER_HOUR = 10
/** Nodes one provider wallet may hold at all; a larger operator uses more wallets. */
export const MAX_NODES_PER_PROVIDER = 1_000

export class TooManyPendingNodesError extends AppError {
  constructor(pending: number) {
    super(`provider has ${pending} pending nodes`, {
      code: 'TOO_MANY_PENDING',
      userMessage: `This wallet already has ${pending} nodes waiting for verification; at most ${MAX_PENDING_NODES} may wait at once, so let them pass their challenge first.`,
    })
  }
}

export class TooManyNodesError extends AppError {
  constructor() {
    super('provider node cap reached', {
      code: 'TOO_MANY_NODES',
      userMessage: `This wallet already has ${MAX_NODES_PER_PROVIDER} nodes, the most one provider wallet may hold; register more under another wallet.`,
    })
  }
}

export class RegistrationRateError extends AppError {
  constructor() {
    super('provider registration rate exceeded', {
      code: 'RATE_LIMITED',
      userMessage: `This wallet registered ${MAX_REGISTRATIONS_PER_HOUR} new nodes in the last hour, the most allowed; try again later.`,
    })
  }
}

/** Before a new node is inserted: counted from the nodes table itself (indexed
 *  by provider and registration time), so no extra state can drift.
 *  @throws RegistrationRateError, TooManyPendingNodesError, TooManyNodesError */
export function checkRegistrationLimits(db: Db, providerId: number, now: number): void {
  const held = db.select({ n: sql<number>`count(*)` }).from(nodes).where(eq(nodes.providerId, providerId)).get()!.n
  if (held >= MAX_NODES_PER_PROVIDER) throw new TooManyNodesError()
  const recent = db
    .select({ n: sql<number>`count(*)` })
    .from(nodes)
    .where(and(eq(nodes.providerId, providerId), gt(nodes.registeredAt, now - 3600_000)))
    .get()!.n
  if (recent >= MAX_REGISTRATIONS_PER_HOUR) throw new RegistrationRateError()
  const pending = db
    .select({ n: sql<number>`count(*)` })
    .from(nodes)
    .where(and(eq(nodes.providerId, providerId), eq(nodes.verification, 'pending')))
    .get()!.n
  if (pending >= MAX_PENDING_NODES) throw new TooManyPendingNodesError(pending)
}
