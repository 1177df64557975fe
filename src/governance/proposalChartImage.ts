import type { Reply } from '../command/reply.ts'

/** The result chart a proposal card carries (served by the dashboard): the same
 *  on the first post and on every refresh, or an edit would drop it. */
export function proposalChartImage(publicUrl: string, proposalId: string): NonNullable<Reply['image']> {
  return { url: `${publicUrl}/charts/proposal.png?id=${encodeURIComponent(proposalId)}`, alt: `Votes on ${proposalId} by choice` }
}
