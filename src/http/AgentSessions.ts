import { randomBytes, timingSafeEqual } from 'node:crypto'
import { eq, lt } from 'drizzle-orm'
import type { Address } from 'viem'
import type { SecretBox } from '../app/SecretBox.ts'
import type { Db } from '../db/openDatabase.ts'
import { agentSessions } from '../db/schema/market.ts'
import { AGENT_SESSION_TTL_MS, sessionMac, type AgentSessionResponse } from '../protocol/agentProtocol.ts'

export interface OpenAgentSession {
  readonly address: Address
  readonly secret: string
  readonly expiresAt: number
}

/** Sessions for agents: one wallet signature buys a day of HMAC-authenticated
 *  requests. Secrets are sealed at rest and cached opened in memory. */
export class AgentSessions {
  private readonly opened = new Map<string, OpenAgentSession>()

  /** `maxCached`: opened secrets kept in memory before the cache starts again (bounds memory). */
  constructor(private readonly deps: { db: Db; secrets: SecretBox; clock: () => number; maxCached?: number }) {}

  issue(address: Address): AgentSessionResponse {
    const { db, secrets, clock } = this.deps
    const now = clock()
    const sessionId = randomBytes(12).toString('base64url')
    const secret = randomBytes(32).toString('hex')
    const expiresAt = now + AGENT_SESSION_TTL_MS
    db.insert(agentSessions).values({ id: sessionId, address, secretSealed: secrets.seal(secret), expiresAt, createdAt: now }).run()
    return { sessionId, secret, expiresAt }
  }

  /** The session if it exists and is live: decided from its id alone, before a request's body is read. */
  open(sessionId: string): OpenAgentSession | 'expired' | 'unknown' {
    const session = this.lookup(sessionId)
    if (!session) return 'unknown'
    if (session.expiresAt <= this.deps.clock()) return 'expired'
    return session
  }

  /** Whether `mac` is the session's HMAC of `payload`: 64 hex digits, compared in constant time. */
  macMatches(session: OpenAgentSession, payload: string, mac: string): boolean {
    const expected = Buffer.from(sessionMac(session.secret, payload), 'hex')
    const given = Buffer.from(mac, 'hex')
    // Hex decoding stops at the first character that is not hex: every character must have counted.
    return mac.length === 2 * expected.length && given.length === expected.length && timingSafeEqual(given, expected)
  }

  /** Deletes expired sessions; the cache starts again (live ones reopen from their rows). */
  prune(): number {
    const now = this.deps.clock()
    this.opened.clear()
    return this.deps.db.delete(agentSessions).where(lt(agentSessions.expiresAt, now)).run().changes
  }

  private lookup(sessionId: string) {
    const cached = this.opened.get(sessionId)
    if (cached) return cached
    const row = this.deps.db.select().from(agentSessions).where(eq(agentSessions.id, sessionId)).get()
    if (!row) return undefined
    const session = { address: row.address as Address, secret: this.deps.secrets.open(row.secretSealed), expiresAt: row.expiresAt }
    if (this.opened.size >= (this.deps.maxCached ?? 100_000)) this.opened.clear()
    this.opened.set(sessionId, session)
    return session
  }
}
