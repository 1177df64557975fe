import type { Hex } from 'viem'
import type { solvencySnapshots } from '../db/schema/solvency.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'

/** What is published about a snapshot: totals and the root, never a leaf or an account. */
export interface SolvencySnapshotView {
  number: number
  epoch: number | null
  blockNumber: number
  time: string
  root: Hex
  totalLiabilities: string
  reserves: string
  treasuryBalance: string
  inFlight: string
  /** reserves / liabilities to four decimals ("1.0000" is exactly covered); null when nothing is owed. */
  ratio: string | null
  solvent: boolean
  accountCount: number
}

export function solvencyView(row: Omit<typeof solvencySnapshots.$inferSelect, 'leaves'>): SolvencySnapshotView {
  const liabilities = BigInt(row.totalLiabilities)
  const reserves = BigInt(row.reserves)
  return {
    number: row.number,
    epoch: row.epoch,
    blockNumber: row.blockNumber,
    time: new Date(row.createdAt).toISOString(),
    root: row.root as Hex,
    totalLiabilities: row.totalLiabilities,
    reserves: row.reserves,
    treasuryBalance: row.treasuryBalance,
    inFlight: row.inFlight,
    ratio: liabilities === 0n ? null : formatRatio(reserves, liabilities),
    solvent: reserves >= liabilities,
    accountCount: row.accountCount,
  }
}

/** Rounded down, so a ratio shown as 1.0000 is never a shortfall. */
function formatRatio(reserves: bigint, liabilities: bigint): string {
  const scaled = (reserves * 10_000n) / liabilities
  return `${scaled / 10_000n}.${(scaled % 10_000n).toString().padStart(4, '0')}`
}

/** One line for chat: plain about a shortfall. */
export function solvencySummary(view: SolvencySnapshotView, units: TokenUnits): string {
  const owed = units.format(BigInt(view.totalLiabilities))
  const held = units.format(BigInt(view.reserves))
  if (!view.solvent) return `RESERVES ARE SHORT: the treasury holds ${held} but owes users ${owed} (ratio ${view.ratio}) at block ${view.blockNumber}.`
  return `Reserves ${held} cover liabilities ${owed}${view.ratio ? ` (ratio ${view.ratio})` : ''} at block ${view.blockNumber}.`
}
