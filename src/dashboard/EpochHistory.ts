import type { Sqlite } from '../db/openDatabase.ts'
import { epochProof, type EpochRow } from '../rewards/Epochs.ts'
import { EpochPaymentSums, type EpochPayments } from './epochPayments.ts'

export const EPOCHS_LISTED = 100
export const STATEMENTS_PER_PAGE = 100

export interface EpochSummaryRow extends EpochPayments {
  number: number
  startsAt: number
  endsAt: number
  closedAt: number
  emission: bigint
  merkleRoot: string
  reportHash: string
}

export interface EpochStatementRow {
  address: string
  emission: bigint
  earnings: bigint
  total: bigint
  leafIndex: number
}

export interface EpochDetail extends EpochSummaryRow {
  providers: number
  /** One page of statements, in provider order. */
  statements: EpochStatementRow[]
  page: number
  pages: number
}

type SummarySql = { number: number; startsAt: number; endsAt: number; closedAt: number; emission: string; merkleRoot: string; reportHash: string }
const SUMMARY_COLUMNS = 'number, starts_at as startsAt, ends_at as endsAt, closed_at as closedAt, emission, merkle_root as merkleRoot, report_hash as reportHash'

/** Closed epochs as the public pages show them. Never reads an epoch's report
 *  or tree (megabytes at 100,000 providers) except for a proof lookup. */
export class EpochHistory {
  private readonly statements
  private readonly payments: EpochPaymentSums

  constructor(deps: { sqlite: Sqlite; clock: () => number; epoch: (number: number) => EpochRow | undefined }) {
    const { sqlite } = deps
    this.epochRow = deps.epoch
    this.payments = new EpochPaymentSums(deps)
    this.statements = {
      list: sqlite.prepare<[number], SummarySql>(`select ${SUMMARY_COLUMNS} from epochs order by number desc limit ?`),
      one: sqlite.prepare<[number], SummarySql>(`select ${SUMMARY_COLUMNS} from epochs where number = ?`),
      latest: sqlite.prepare<[], { number: number }>('select max(number) as number from epochs'),
      count: sqlite.prepare<[number], { n: number }>('select count(*) as n from epoch_statements where epoch = ?'),
      page: sqlite.prepare<[number, number, number], { address: string; emission: string; earnings: string; total: string; leafIndex: number }>(
        'select address, emission, earnings, total, leaf_index as leafIndex from epoch_statements where epoch = ? order by provider_id limit ? offset ?',
      ),
    }
  }

  private readonly epochRow: (number: number) => EpochRow | undefined

  /** The newest closed epochs first. */
  list(limit = EPOCHS_LISTED): EpochSummaryRow[] {
    return this.statements.list.all(limit).map((row) => this.summary(row))
  }

  latestNumber(): number | null {
    return this.statements.latest.get()?.number ?? null
  }

  get(number: number, page = 1): EpochDetail | undefined {
    const row = this.statements.one.get(number)
    if (!row) return undefined
    const providers = this.statements.count.get(number)!.n
    const pages = Math.max(1, Math.ceil(providers / STATEMENTS_PER_PAGE))
    const statements = this.statements.page.all(number, STATEMENTS_PER_PAGE, (Math.min(page, pages) - 1) * STATEMENTS_PER_PAGE).map((s) => ({
      address: s.address,
      emission: BigInt(s.emission),
      earnings: BigInt(s.earnings),
      total: BigInt(s.total),
      leafIndex: s.leafIndex,
    }))
    return { ...this.summary(row), providers, statements, page: Math.min(page, pages), pages }
  }

  /** The leaf and Merkle proof of an address paid in the epoch; undefined if it was not paid. */
  proof(number: number, address: string): ReturnType<typeof epochProof> {
    const row = this.epochRow(number)
    return row ? epochProof(row, address) : undefined
  }

  private summary(row: SummarySql): EpochSummaryRow {
    return { ...row, emission: BigInt(row.emission), ...this.payments.of(row.number) }
  }
}
