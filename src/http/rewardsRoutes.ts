import { Hono } from 'hono'
import { epochProof, type Epochs } from '../rewards/Epochs.ts'
import { HttpError } from './HttpError.ts'

/** Published epoch statements and Merkle proofs, so anyone can check a payout. */
export function rewardsRoutes({ epochs }: { epochs: Epochs }): Hono {
  const app = new Hono()
  const load = (param: string) => {
    const epoch = param === 'latest' ? epochs.last() : /^\d+$/.test(param) ? epochs.get(Number(param)) : undefined
    if (!epoch) throw new HttpError(404, `No closed epoch ${param}; expected a number or "latest".`, 'NOT_FOUND')
    return epoch
  }
  app.get('/api/v1/epochs/:number', (c) => {
    const epoch = load(c.req.param('number'))
    return c.json({
      number: epoch.number,
      startsAt: new Date(epoch.startsAt).toISOString(),
      endsAt: new Date(epoch.endsAt).toISOString(),
      reportHash: epoch.reportHash,
      merkleRoot: epoch.merkleRoot,
      leafEncoding: ['address', 'uint256'],
      report: JSON.parse(epoch.report),
    })
  })
  app.get('/api/v1/epochs/:number/proofs/:address', (c) => {
    const proof = epochProof(load(c.req.param('number')), c.req.param('address'))
    if (!proof) throw new HttpError(404, 'That address was not paid in this epoch.', 'NOT_FOUND')
    return c.json(proof)
  })
  return app
}
