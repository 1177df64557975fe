import { desc, eq } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { payouts } from '../db/schema/chain.ts'
import { epochStatements } from '../db/schema/rewards.ts'
import { epochProof, type Epochs } from './Epochs.ts'
import { epochOutcome, minPayoutOf, type EpochOutcome } from './epochOutcome.ts'

/** What /rewards shows a provider: this epoch's estimate and past statements with proofs. */
export class RewardsService {
  constructor(
    private readonly db: Db,
    readonly epochs: Epochs,
  ) {}

  estimate(accountId: number) {
    const report = this.epochs.estimate()
    const mine = report.providers.filter((p) => p.accountId === accountId)
    return {
      number: report.number,
      startsAt: report.startsAt,
      emission: mine.reduce((s, p) => s + p.emission, 0n),
      earnings: mine.reduce((s, p) => s + p.earnings, 0n),
      nodes: report.nodes.filter((n) => mine.some((p) => p.providerId === n.providerId)).map((n) => n.result),
    }
  }

  /** What a closed epoch paid, carried and held. */
  outcome(epoch: number): EpochOutcome {
    return epochOutcome(this.db, epoch)
  }

  statements(accountId: number, limit = 3) {
    const rows = this.db.select().from(epochStatements).where(eq(epochStatements.accountId, accountId)).orderBy(desc(epochStatements.epoch)).limit(limit).all()
    return rows.map((row) => {
      const epoch = this.epochs.get(row.epoch)!
      const payout = this.db.select().from(payouts).where(eq(payouts.id, `e${row.epoch}-${row.providerId}`)).get()
      return { ...row, root: epoch.merkleRoot, payout, proof: epochProof(epoch, row.address), minPayout: minPayoutOf(this.db, row.epoch) }
    })
  }
}
