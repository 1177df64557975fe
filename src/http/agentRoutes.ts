import { createHash } from 'node:crypto'
import { Hono, type Context } from 'hono'
import { lt, sql } from 'drizzle-orm'
import { getAddress, isAddress, isHex, recoverMessageAddress, type Address } from 'viem'
import type { Db } from '../db/openDatabase.ts'
import { agentRequestSignatures } from '../db/schema/market.ts'
import {
  AGENT_CLOCK_SKEW_MS,
  AGENT_HEADERS,
  finishedBody,
  parseAgentBody,
  runningBody,
  type AttestationBody,
  type CommitChallengeBody,
  type RevealChallengeBody,
  type HeartbeatBody,
  type RegisterNodeBody,
  signedPayload,
} from '../protocol/agentProtocol.ts'
import type { NodeRegistry } from '../market/NodeRegistry.ts'
import type { ComputeChallenges } from '../market/verification/ComputeChallenges.ts'
import type { Rentals } from '../market/Rentals.ts'
import type { RenewableAttestations } from '../rewards/RenewableAttestations.ts'
import type { AgentSessions } from './AgentSessions.ts'
import { bodyLimitKiB, DEFAULT_BODY_KIB } from './bodyLimitKiB.ts'
import { HttpError } from './HttpError.ts'

export interface AgentRoutesDeps {
  db: Db
  sessions: AgentSessions
  registry: NodeRegistry
  rentals: Rentals
  attestations: RenewableAttestations
  /** Compute challenges; the app always passes them (benches of other parts may not: then none is issued). */
  challenges?: ComputeChallenges
  clock: () => number
  /** After a heartbeat or report that may change capacity (alerts, offline checks). */
  afterChange?: () => void
}

export const AGENT_API_PREFIX = '/api/v1/agent/'
/** Revealed challenge rows carry their chains (up to 32 rounds of a 32 KiB row, base64): a larger limit there only. */
const REVEAL_PATH = /^\/api\/v1\/agent\/nodes\/[^/]+\/challenges\/[^/]+\/reveal$/
export const REVEAL_BODY_KIB = 4096

/** What the headers claim, checked before the body is read; `signer` proves it over the signed payload once the body is in. */
interface Claim {
  timestamp: string
  now: number
  signer: (payload: string) => Promise<Address> | Address
}

type Env = { Variables: { claim: Claim; provider: Address; body: unknown } }

/** The provider agent API. Each request is signed by the provider's wallet over
 *  method, path, timestamp and body hash; stale or replayed signatures get 401,
 *  another provider's node or rental 403, and nothing changes. Whatever the
 *  headers alone can refuse (a stale or malformed timestamp, malformed
 *  credentials, an unknown or expired session) is refused before the body is
 *  read. A well-formed wallet signature is only checked over the body, so a
 *  client without a key can still make one body of up to the path's limit be read. */
export function agentRoutes(deps: AgentRoutesDeps): Hono<Env> {
  const app = new Hono<Env>()
  // Every agent request writes its replay key: prepared once.
  const remember = deps.db
    .insert(agentRequestSignatures)
    .values({ signature: sql.placeholder('key'), seenAt: sql.placeholder('now') })
    .onConflictDoNothing()
    .prepare()
  const firstTime = (key: string, now: number) => remember.run({ key, now }).changes > 0
  const agentApi = `${AGENT_API_PREFIX}*`
  app.use(agentApi, async (c, next) => {
    c.set('claim', checkHeaders(deps, c))
    await next()
  })
  const smallBody = bodyLimitKiB(DEFAULT_BODY_KIB)
  const revealBody = bodyLimitKiB(REVEAL_BODY_KIB)
  app.use(agentApi, (c, next) => (REVEAL_PATH.test(c.req.path) ? revealBody(c, next) : smallBody(c, next)))
  app.use(agentApi, async (c, next) => {
    const raw = await c.req.text()
    c.set('provider', await proveClaim(c.get('claim'), c, raw, firstTime))
    try {
      c.set('body', raw ? JSON.parse(raw) : {})
    } catch {
      throw new HttpError(400, 'The body is not JSON.')
    }
    await next()
  })
  app.post('/api/v1/agent/sessions', (c) => {
    if (c.req.header(AGENT_HEADERS.session)) throw new HttpError(401, 'A session is opened with a wallet signature, not with another session.', 'UNAUTHENTICATED')
    return c.json(deps.sessions.issue(c.get('provider')))
  })
  app.post('/api/v1/agent/nodes', (c) => {
    const registered = deps.registry.register(c.get('provider'), c.get('body') as RegisterNodeBody)
    const challenge = deps.challenges?.afterRegister(registered.nodeId)
    return c.json({ ...registered, ...(challenge ? { challenge } : {}) })
  })
  app.post('/api/v1/agent/nodes/:nodeId/heartbeat', (c) => {
    const work = deps.registry.heartbeat(c.get('provider'), c.req.param('nodeId'), c.get('body') as HeartbeatBody)
    const challenge = deps.challenges?.orderFor(work.nodeId)
    deps.afterChange?.()
    return c.json({ ...work, ...(challenge ? { challenge } : {}) })
  })
  app.post('/api/v1/agent/nodes/:nodeId/deregister', (c) => {
    const nodeId = c.req.param('nodeId')
    deps.registry.deregister(c.get('provider'), nodeId)
    deps.challenges?.withdraw(nodeId)
    deps.afterChange?.()
    return c.json({ nodeId, online: false })
  })
  app.post('/api/v1/agent/nodes/:nodeId/challenges/:id/ready', (c) => {
    if (!deps.challenges) throw new HttpError(404, 'This coordinator issues no challenges.')
    return c.json(deps.challenges.ready(c.get('provider'), c.req.param('nodeId'), c.req.param('id')))
  })
  app.post('/api/v1/agent/nodes/:nodeId/challenges/:id/commit', (c) => {
    if (!deps.challenges) throw new HttpError(404, 'This coordinator issues no challenges.')
    return c.json(deps.challenges.commit(c.get('provider'), c.req.param('nodeId'), c.req.param('id'), c.get('body') as CommitChallengeBody))
  })
  app.post('/api/v1/agent/nodes/:nodeId/challenges/:id/reveal', (c) => {
    if (!deps.challenges) throw new HttpError(404, 'This coordinator issues no challenges.')
    return c.json(deps.challenges.reveal(c.get('provider'), c.req.param('nodeId'), c.req.param('id'), c.get('body') as RevealChallengeBody))
  })
  app.post('/api/v1/agent/rentals/:id/claim', (c) => c.json(view(deps.rentals.claim(c.get('provider'), c.req.param('id')))))
  app.post('/api/v1/agent/rentals/:id/running', (c) => {
    const { connection } = parseAgentBody(runningBody, c.get('body'))
    return c.json(view(deps.rentals.reportRunning(c.get('provider'), c.req.param('id'), connection)))
  })
  app.post('/api/v1/agent/rentals/:id/finished', (c) => {
    const { outcome, reason } = parseAgentBody(finishedBody, c.get('body'))
    const rental = deps.rentals.reportFinished(c.get('provider'), c.req.param('id'), outcome, reason)
    deps.afterChange?.()
    return c.json(view(rental))
  })
  app.post('/api/v1/agent/attestations', async (c) => c.json(await deps.attestations.record(c.get('provider'), c.get('body') as AttestationBody)))
  app.post('/api/v1/agent/attestations/:id/revoke', (c) => {
    deps.attestations.revoke(Number(c.req.param('id')), c.get('provider'))
    return c.json({ revoked: Number(c.req.param('id')) })
  })
  return app
}

/** Everything decidable from the headers alone: the timestamp's form and age,
 *  the credentials' form and, for a session, that it exists and is live. */
function checkHeaders(deps: AgentRoutesDeps, c: Context): Claim {
  const timestamp = c.req.header(AGENT_HEADERS.timestamp) ?? ''
  if (!/^\d{10,16}$/.test(timestamp)) throw new HttpError(401, 'Missing or malformed x-gridshare-timestamp; expected Unix milliseconds.', 'UNAUTHENTICATED')
  const now = deps.clock()
  if (Math.abs(now - Number(timestamp)) > AGENT_CLOCK_SKEW_MS) {
    throw new HttpError(401, 'The request timestamp is more than 60 s from the coordinator clock; check the agent machine time.', 'STALE')
  }
  const sessionId = c.req.header(AGENT_HEADERS.session)
  return { timestamp, now, signer: sessionId ? sessionSigner(deps, sessionId, c.req.header(AGENT_HEADERS.mac) ?? '') : walletSigner(c) }
}

/** Once the body is in: the signature over it, then the replay check. */
async function proveClaim(claim: Claim, c: Context, raw: string, firstTime: (key: string, now: number) => boolean): Promise<Address> {
  const payload = signedPayload({ method: c.req.method, path: new URL(c.req.url).pathname, timestamp: claim.timestamp, body: raw })
  const signer = await claim.signer(payload)
  // Keyed by what was authenticated, not by the signature's bytes: one message has several valid encodings (v, high s).
  const requestKey = createHash('sha256').update(`${signer}\n${payload}`).digest('hex')
  if (!firstTime(requestKey, claim.now)) throw new HttpError(401, 'This request was already received (replay).', 'REPLAY')
  return signer
}

function walletSigner(c: Context): Claim['signer'] {
  const address = c.req.header(AGENT_HEADERS.address) ?? ''
  const signature = c.req.header(AGENT_HEADERS.signature) ?? ''
  if (!isAddress(address, { strict: false }) || !isHex(signature)) {
    throw new HttpError(401, 'Missing or malformed signature headers; expected x-gridshare-address, -timestamp and -signature.', 'UNAUTHENTICATED')
  }
  return async (payload) => {
    let signer: Address
    try {
      signer = await recoverMessageAddress({ message: payload, signature })
    } catch {
      throw new HttpError(401, 'The request signature is not valid.', 'BAD_SIGNATURE')
    }
    if (signer !== getAddress(address)) throw new HttpError(401, 'The request signature is not from the stated address.', 'BAD_SIGNATURE')
    return signer
  }
}

function sessionSigner(deps: AgentRoutesDeps, sessionId: string, mac: string): Claim['signer'] {
  if (!/^[0-9a-f]{64}$/i.test(mac)) throw new HttpError(401, 'Missing or malformed x-gridshare-mac; expected 64 hex digits.', 'UNAUTHENTICATED')
  const session = deps.sessions.open(sessionId)
  if (session === 'unknown') throw new HttpError(401, 'Unknown agent session; open a new one.', 'UNKNOWN_SESSION')
  if (session === 'expired') throw new HttpError(401, 'The agent session expired; open a new one.', 'SESSION_EXPIRED')
  // Live when its headers came: a body still arriving as it expires (within the request timeout) is accepted.
  return (payload) => {
    if (!deps.sessions.macMatches(session, payload, mac)) throw new HttpError(401, 'The request MAC does not match the session.', 'BAD_SIGNATURE')
    return session.address
  }
}

/** Forgets signatures too old to pass the timestamp check anyway. */
export function pruneAgentSignatures(db: Db, now: number): number {
  return db.delete(agentRequestSignatures).where(lt(agentRequestSignatures.seenAt, now - 2 * AGENT_CLOCK_SKEW_MS)).run().changes
}

function view(rental: { id: string; status: string; endsAt: number | null }) {
  return { id: rental.id, status: rental.status, endsAt: rental.endsAt }
}
