import { privateKeyToAccount } from 'viem/accounts'
import { afterEach, describe, expect, test } from 'vitest'
import { AgentSessions, type OpenAgentSession } from '../../src/http/AgentSessions.ts'
import { AGENT_SESSION_TTL_MS, sessionMac } from '../../src/protocol/agentProtocol.ts'
import { createMarketHarness } from '../support/marketHarness.ts'

const provider = privateKeyToAccount(`0x${'a1'.repeat(32)}`)
const payload = 'gridshare-agent-v1\nPOST\n/api/v1/agent/nodes\n1764500000000\n' + '0'.repeat(64)

const harnesses: ReturnType<typeof createMarketHarness>[] = []
afterEach(() => {
  for (const h of harnesses.splice(0)) h.close()
})

function setUp() {
  const h = createMarketHarness()
  harnesses.push(h)
  const newSessions = () => new AgentSessions({ db: h.db, secrets: h.secrets, clock: () => h.clock.now })
  return { h, sessions: newSessions(), newSessions }
}

describe('opening a session from its id (before any body is read)', () => {
  test('an issued session is live until the instant it expires, then expired; an unknown id is unknown', () => {
    const { h, sessions } = setUp()
    const issued = sessions.issue(provider.address)
    expect(issued.expiresAt).toBe(h.clock.now + AGENT_SESSION_TTL_MS)
    expect(sessions.open('no-such-session')).toBe('unknown')
    h.clock.now = issued.expiresAt - 1
    expect(sessions.open(issued.sessionId)).toEqual({ address: provider.address, secret: issued.secret, expiresAt: issued.expiresAt })
    h.clock.now = issued.expiresAt
    expect(sessions.open(issued.sessionId)).toBe('expired')
  })

  test('a coordinator restarted (nothing cached) opens the session from its sealed row', () => {
    const { h, sessions, newSessions } = setUp()
    const issued = sessions.issue(provider.address)
    expect(h.sqlite.prepare('select secret_sealed as sealed from agent_sessions').get()).not.toEqual({ sealed: issued.secret })
    expect(newSessions().open(issued.sessionId)).toEqual({ address: provider.address, secret: issued.secret, expiresAt: issued.expiresAt })
  })
})

describe('checking a MAC once the body is in', () => {
  function opened() {
    const { sessions } = setUp()
    const { sessionId, secret } = sessions.issue(provider.address)
    return { sessions, session: sessions.open(sessionId) as OpenAgentSession, mac: sessionMac(secret, payload) }
  }

  test("the session's HMAC of the payload matches, in either hex case", () => {
    const { sessions, session, mac } = opened()
    expect(sessions.macMatches(session, payload, mac)).toBe(true)
    expect(sessions.macMatches(session, payload, mac.toUpperCase())).toBe(true)
  })

  test('error: a MAC of another payload, with another secret, or cut short does not match', () => {
    const { sessions, session, mac } = opened()
    expect(sessions.macMatches(session, `${payload}x`, mac)).toBe(false)
    expect(sessions.macMatches(session, payload, sessionMac('cd'.repeat(32), payload))).toBe(false)
    expect(sessions.macMatches(session, payload, mac.slice(0, 62))).toBe(false)
  })

  test('error: the right MAC with trailing characters does not match (hex decoding would drop them)', () => {
    const { sessions, session, mac } = opened()
    expect(Buffer.from(`${mac}z`, 'hex').equals(Buffer.from(mac, 'hex'))).toBe(true)
    expect(sessions.macMatches(session, payload, `${mac}z`)).toBe(false)
    expect(sessions.macMatches(session, payload, `${mac}00`)).toBe(false)
    // 64 characters, not all hex: decoding stops early, and the lengths differ.
    expect(sessions.macMatches(session, payload, `${mac.slice(0, 62)}zz`)).toBe(false)
  })
})

describe('the cache of opened secrets', () => {
  /** Sessions whose SecretBox counts how often a sealed secret is opened. */
  function counted(maxCached?: number) {
    const h = createMarketHarness()
    harnesses.push(h)
    let opens = 0
    const secrets = Object.assign(Object.create(h.secrets) as typeof h.secrets, {
      open: (sealed: string) => {
        opens++
        return h.secrets.open(sealed)
      },
    })
    const sessions = new AgentSessions({ db: h.db, secrets, clock: () => h.clock.now, maxCached })
    return { h, sessions, opens: () => opens }
  }

  test('a session is opened from its row once, then served from memory', () => {
    const { sessions, opens } = counted()
    const { sessionId } = sessions.issue(provider.address)
    sessions.open(sessionId)
    sessions.open(sessionId)
    expect(opens()).toBe(1)
  })

  test('at maxCached the cache starts again: memory stays bounded', () => {
    const { sessions, opens } = counted(2)
    const [a, b, c] = [1, 2, 3].map(() => sessions.issue(provider.address).sessionId)
    sessions.open(a!)
    sessions.open(b!)
    expect(opens()).toBe(2)
    // Two are cached: a third starts the cache again, so a is opened from its row once more.
    sessions.open(c!)
    sessions.open(b!)
    expect(opens()).toBe(4)
    sessions.open(c!)
    sessions.open(b!)
    expect(opens()).toBe(4)
  })

  test('prune deletes expired sessions (not one expiring this instant) and forgets what it cached', () => {
    const { h, sessions, opens } = counted()
    const old = sessions.issue(provider.address)
    h.clock.now += 1000
    const fresh = sessions.issue(provider.address)
    sessions.open(old.sessionId)
    sessions.open(fresh.sessionId)
    h.clock.now = old.expiresAt
    expect(sessions.prune()).toBe(0)
    h.clock.now = old.expiresAt + 1
    expect(sessions.prune()).toBe(1)
    expect(h.sqlite.prepare('select count(*) as n from agent_sessions').get()).toEqual({ n: 1 })
    expect(sessions.open(old.sessionId)).toBe('unknown')
    expect(sessions.open(fresh.sessionId)).toEqual({ address: provider.address, secret: fresh.secret, expiresAt: fresh.expiresAt })
    expect(opens()).toBe(3)
  })
})
