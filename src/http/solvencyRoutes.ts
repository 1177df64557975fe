import { Hono } from 'hono'
import type { Solvency } from '../solvency/Solvency.ts'
import { HttpError } from './HttpError.ts'

/** Published proofs of solvency: totals and roots, never a leaf or an account. */
export function solvencyRoutes({ solvency }: { solvency: Pick<Solvency, 'latest' | 'get'> }): Hono {
  const app = new Hono()
  const encoding = {
    leaf: 'keccak256(abi.encode(bytes32 salt, uint256 amount))',
    node: 'keccak256(abi.encode(bytes32 left, uint256 leftSum, bytes32 right, uint256 rightSum))',
    docs: 'docs/solvency.md',
  }
  app.get('/api/v1/solvency', (c) => {
    const latest = solvency.latest()
    if (!latest) throw new HttpError(404, 'No proof of solvency has been published yet.', 'NOT_FOUND')
    return c.json({ ...latest, encoding })
  })
  app.get('/api/v1/solvency/:number', (c) => {
    const param = c.req.param('number')
    const snapshot = /^\d{1,9}$/.test(param) ? solvency.get(Number(param)) : undefined
    if (!snapshot) throw new HttpError(404, `No solvency snapshot ${param}; expected the number of a published snapshot, e.g. /api/v1/solvency/1.`, 'NOT_FOUND')
    return c.json({ ...snapshot, encoding })
  })
  return app
}
