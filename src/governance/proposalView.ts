import type { ProposalRow } from '../db/schema/governance.ts'

export type ProposalStatus = 'pending' | 'active' | 'closed'

/** A proposal as commands and routes see it: parsed, with the status the clock gives. */
export interface ProposalView {
  id: string
  source: 'native' | 'snapshot'
  externalId: string | null
  title: string
  body: string
  choices: string[]
  type: string
  startAt: number
  endAt: number
  snapshotBlock: number
  /** Base units. */
  quorum: bigint
  param: { name: string; value: string } | null
  status: ProposalStatus
  authorAccountId: number | null
  result: ProposalResult | null
}

export interface ProposalResult {
  scores: number[]
  scoresTotal: string
  quorumMet: boolean
  winner: number | null
  closedAt: number
  executedAt: number | null
}

export function toProposalView(row: ProposalRow, now: number): ProposalView {
  return {
    id: row.id,
    source: row.source,
    externalId: row.externalId,
    title: row.title,
    body: row.body,
    choices: JSON.parse(row.choices) as string[],
    type: row.type,
    startAt: row.startAt,
    endAt: row.endAt,
    snapshotBlock: row.snapshotBlock,
    quorum: BigInt(row.quorum),
    param: row.paramName && row.paramValue ? { name: row.paramName, value: row.paramValue } : null,
    status: row.status === 'closed' || now >= row.endAt ? 'closed' : now >= row.startAt ? 'active' : 'pending',
    authorAccountId: row.authorAccountId,
    result:
      row.closedAt !== null
        ? {
            scores: JSON.parse(row.scores ?? '[]') as number[],
            scoresTotal: row.scoresTotal ?? '0',
            quorumMet: row.quorumMet ?? false,
            winner: row.winner,
            closedAt: row.closedAt,
            executedAt: row.executedAt,
          }
        : null,
  }
}
