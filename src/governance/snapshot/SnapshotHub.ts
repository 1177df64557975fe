import { AppError } from '../../errors/AppError.ts'

export interface HubProposal {
  id: string
  title: string
  body: string
  choices: string[]
  type: string
  start: number
  end: number
  snapshot: string | number
  state: string
  created: number
  author: string
  quorum: number
  scores: number[]
  scores_total: number
}

export interface HubVote {
  id: string
  voter: string
  vp: number
  choice: unknown
  created: number
}

const PROPOSAL_FIELDS = 'id title body choices type start end snapshot state created author quorum scores scores_total'

/** The hub's GraphQL API (read side of Snapshot). */
export class SnapshotHub {
  constructor(private readonly deps: { hubUrl: string; fetch: typeof fetch; timeoutMs?: number }) {}

  /** Proposals of the space created after `created` (seconds), oldest first. */
  async proposalsSince(space: string, created: number, first = 100): Promise<HubProposal[]> {
    const data = await this.query<{ proposals: HubProposal[] }>(
      `query Proposals($first: Int!, $where: ProposalWhere) {
  proposals(first: $first, skip: 0, where: $where, orderBy: "created", orderDirection: asc) { ${PROPOSAL_FIELDS} }
}`,
      { first, where: { space, created_gt: created } },
    )
    return data.proposals ?? []
  }

  async proposalsByIds(ids: string[]): Promise<HubProposal[]> {
    if (ids.length === 0) return []
    const data = await this.query<{ proposals: HubProposal[] }>(
      `query ProposalsById($first: Int!, $where: ProposalWhere) {
  proposals(first: $first, skip: 0, where: $where) { ${PROPOSAL_FIELDS} }
}`,
      { first: ids.length, where: { id_in: ids } },
    )
    return data.proposals ?? []
  }

  async votes(proposal: string, skip: number, first = 1000): Promise<HubVote[]> {
    const data = await this.query<{ votes: HubVote[] }>(
      `query Votes($first: Int!, $skip: Int!, $where: VoteWhere) {
  votes(first: $first, skip: $skip, where: $where, orderBy: "created", orderDirection: asc) { id voter vp choice created }
}`,
      { first, skip, where: { proposal } },
    )
    return data.votes ?? []
  }

  private async query<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    const url = `${this.deps.hubUrl.replace(/\/+$/, '')}/graphql`
    let response: Response
    try {
      response = await this.deps.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(this.deps.timeoutMs ?? 10_000),
      })
    } catch (error) {
      throw new AppError(`snapshot hub unreachable: ${(error as Error).message}`, { code: 'HUB_UNREACHABLE', cause: error })
    }
    const body = (await response.json().catch(() => undefined)) as { data?: T; errors?: { message: string }[] } | undefined
    if (!response.ok || !body?.data || body.errors?.length) {
      throw new AppError(`snapshot hub answered ${response.status}: ${body?.errors?.map((e) => e.message).join('; ') ?? 'no data'}`, { code: 'HUB_ERROR' })
    }
    return body.data
  }
}
