import type { Reply } from '../../command/reply.ts'
import { randomBytes } from 'node:crypto'

export const PENDING_START_TTL_MS = 10 * 60_000
const MAX_PENDING = 10_000

/** A command is stored when it has not run yet; its reply when it has (running it
 *  again on Start would repeat a withdrawal or an extension). */
export type Pending = { commandText: string } | { reply: Reply }

interface PendingStart {
  userId: string
  /** What Start brings back: a command still to run, or the answer of one that already ran. */
  pending: Pending
  expiresAt: number
}

/** Commands waiting for their user to open a private chat with the bot. The
 *  deep link carries only a random key (t.me allows 64 characters of
 *  [A-Za-z0-9_-]); the command stays here, so a link reveals nothing and
 *  works only for the user it was made for. In memory: a restart forgets
 *  them, which costs the user one retyped command. */
export class PendingStarts {
  private readonly entries = new Map<string, PendingStart>()

  constructor(private readonly deps: { clock: () => number; ttlMs?: number }) {}

  /** Returns the deep-link payload (16 characters). */
  add(userId: string, pending: Pending): string {
    const now = this.deps.clock()
    this.dropExpired(now)
    // Map keeps insertion order: past the cap the oldest go first.
    while (this.entries.size >= MAX_PENDING) this.entries.delete(this.entries.keys().next().value!)
    const payload = randomBytes(12).toString('base64url')
    this.entries.set(payload, { userId, pending, expiresAt: now + (this.deps.ttlMs ?? PENDING_START_TTL_MS) })
    return payload
  }

  /** The pending command or answer, once, if the payload is live and belongs to this user. */
  take(payload: string, userId: string): Pending | undefined {
    const entry = this.entries.get(payload)
    if (!entry || entry.userId !== userId) return undefined
    this.entries.delete(payload)
    return entry.expiresAt > this.deps.clock() ? entry.pending : undefined
  }

  private dropExpired(now: number): void {
    for (const [payload, entry] of this.entries) {
      if (entry.expiresAt > now) break
      this.entries.delete(payload)
    }
  }
}
