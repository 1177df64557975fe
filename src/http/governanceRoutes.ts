import { Hono } from 'hono'
import { z } from 'zod'
import type { Governance } from '../governance/Governance.ts'
import { HttpError } from './HttpError.ts'
import { governanceSignPageHtml } from './governanceSignPage.ts'

const aliasBody = z.object({
  address: z.string().max(100),
  signature: z.string().max(20_000),
  timestamp: z.number().int(),
})

/** The Snapshot authorization page with its JSON API, and the vote export. */
export function governanceRoutes({ governance }: { governance: Governance }): Hono {
  const app = new Hono()

  app.get('/governance/sign/:token', (c) => c.html(governanceSignPageHtml()))

  app.get('/api/v1/governance/alias/:token', async (c) => {
    const view = await governance.describeAuthorization(c.req.param('token'), c.req.query('address'))
    return c.json({ space: governance.snapshotSpace, alias: view.alias, expiresAt: new Date(view.expiresAt).toISOString(), typedData: view.typedData })
  })

  app.post('/api/v1/governance/alias/:token', async (c) => {
    const body = aliasBody.safeParse(await c.req.json().catch(() => undefined))
    if (!body.success) throw new HttpError(400, 'Expected a JSON body { "address": "0x…", "signature": "0x…", "timestamp": 1700000000 }.')
    const outcome = await governance.completeAuthorization({ token: c.req.param('token'), ...body.data })
    return c.json({ authorized: outcome.address, alias: outcome.alias, expiresAt: new Date(outcome.expiresAt).toISOString(), sequencer: outcome.answer })
  })

  app.get('/api/v1/proposals', (c) => {
    const filter = c.req.query('filter')
    if (filter !== undefined && filter !== 'active' && filter !== 'closed') throw new HttpError(400, 'filter must be active or closed.')
    return c.json({ proposals: governance.list(filter).map((p) => ({ ...p, quorum: p.quorum.toString(), startAt: iso(p.startAt), endAt: iso(p.endAt) })) })
  })

  /** The audit export: every vote with its power and, when relayed, the signed envelope. */
  app.get('/api/v1/proposals/:id/votes', (c) => {
    const proposal = governance.proposal(c.req.param('id'))
    const tally = governance.tally(proposal)
    const records = governance.voteRecords(proposal.id)
    return c.json({
      proposal: {
        id: proposal.id,
        source: proposal.source,
        externalId: proposal.externalId,
        title: proposal.title,
        type: proposal.type,
        choices: proposal.choices,
        snapshotBlock: proposal.snapshotBlock,
        quorum: proposal.quorum.toString(),
        startAt: iso(proposal.startAt),
        endAt: iso(proposal.endAt),
        status: proposal.status,
        scores: tally.scores,
        cast: tally.cast.toString(),
        quorumMet: tally.quorumMet,
        winner: tally.winner,
        /** Base units cast by delegates for delegators who did not vote themselves. */
        delegatedPower: records.reduce((sum, v) => (v.delegate !== null && v.power !== null ? sum + v.power : sum), 0n).toString(),
      },
      votes: records.map((v) => ({
        address: v.address,
        choice: v.choice,
        choiceText: v.choiceText,
        power: v.power?.toString() ?? null,
        votedAt: iso(v.votedAt),
        source: v.source,
        signature: v.signature,
        receipt: v.receipt,
        envelope: v.envelope,
        /** The delegate's chat name when a delegate cast this wallet's power; null for the owner's own vote. */
        delegatedTo: v.delegate,
      })),
    })
  })

  return app
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}
