import type { Sqlite } from '../db/openDatabase.ts'
import { proofFromDump, type PayoutTreeDump } from '../rewards/merkle.ts'
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

type SummarySql = { number: number; startsAt: number; endsAt: number; emission: string; merkleRoot: string; reportHash: string }
// Only columns stored before `report` and `tree` in the row: reading closed_at, stored after
// them, walks their overflow pages (tens of MB at 100,000 providers). It is read once per epoch.
const SUMMARY_COLUMNS = 'number, starts_at as startsAt, ends_at as endsAt, emission, merkle_root as merkleRoot, report_hash as reportHash'

/** Closed epochs as the public pages show them. Never reads an epoch's report
 *  or tree (megabytes at 100,000 providers) except for a proof lookup. */
export class EpochHistory {
  private readonly statements
  private readonly payments: EpochPaymentSums
  private readonly counts = new Map<number, number>()
  private readonly closedAt = new Map<number, number>()
  /** The last tree a proof was looked up in: parsing a 100,000-leaf dump takes longer than a page. */
  private tree: { number: number; root: string; dump: PayoutTreeDump | null } | undefined

  constructor(deps: { sqlite: Sqlite; clock: () => number }) {
    const { sqlite } = deps
    this.payments = new EpochPaymentSums(deps)
    this.statements = {
      list: sqlite.prepare<[number], SummarySql>(`select ${SUMMARY_COLUMNS} from epochs order by number desc limit ?`),
      one: sqlite.prepare<[number], SummarySql>(`select ${SUMMARY_COLUMNS} from epochs where number = ?`),
      root: sqlite.prepare<[number], { merkleRoot: string }>('select merkle_root as merkleRoot from epochs where number = ?'),
      count: sqlite.prepare<[number], { n: number }>('select count(*) as n from epoch_statements where epoch = ?'),
      page: sqlite.prepare<[number, number, number], { address: string; emission: string; earnings: string; total: string; leafIndex: number }>(
        'select address, emission, earnings, total, leaf_index as leafIndex from epoch_statements where epoch = ? order by provider_id limit ? offset ?',
      ),
      tree: sqlite.prepare<[number], { tree: string }>('select tree from epochs where number = ?'),
      closedAt: sqlite.prepare<[number], { closedAt: number }>('select closed_at as closedAt from epochs where number = ?'),
    }
  }

  /** The newest closed epochs first. */
  list(limit = EPOCHS_LISTED): EpochSummaryRow[] {
    return this.statements.list.all(limit).map((row) => this.summary(row))
  }

  /** The newest closed epoch; undefined before the first one closes. */
  latest(): EpochSummaryRow | undefined {
    return this.list(1)[0]
  }

  /** Sums the newest epoch's payouts again now, though they were summed less than a minute ago. */
  refreshLatest(): void {
    const row = this.statements.list.get(1)
    if (row) this.payments.sum(row.number)
  }

  get(number: number, page = 1): EpochDetail | undefined {
    const row = this.statements.one.get(number)
    if (!row) return undefined
    const providers = this.providerCount(number)
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

  /** A closed epoch's statements never change in number: counted once (100,000 index entries). */
  private providerCount(number: number): number {
    let n = this.counts.get(number)
    if (n === undefined) {
      if (this.counts.size >= 1024) this.counts.clear()
      this.counts.set(number, (n = this.statements.count.get(number)!.n))
    }
    return n
  }

  /** The leaf and Merkle proof of an address paid in the epoch; undefined if it was not paid. */
  proof(number: number, address: string): ReturnType<typeof proofFromDump> {
    const root = this.statements.root.get(number)?.merkleRoot
    if (root === undefined) return undefined
    // Keyed by the root too: a recomputed epoch gets its tree read again.
    if (this.tree?.number !== number || this.tree.root !== root) {
      this.tree = { number, root, dump: JSON.parse(this.statements.tree.get(number)!.tree) as PayoutTreeDump | null }
    }
    return this.tree.dump ? proofFromDump(this.tree.dump, address) : undefined
  }

  private summary(row: SummarySql): EpochSummaryRow {
    let closedAt = this.closedAt.get(row.number)
    if (closedAt === undefined) {
      if (this.closedAt.size >= 1024) this.closedAt.clear()
      this.closedAt.set(row.number, (closedAt = this.statements.closedAt.get(row.number)!.closedAt))
    }
    return { ...row, closedAt, emission: BigInt(row.emission), ...this.payments.of(row.number) }
  }
}
