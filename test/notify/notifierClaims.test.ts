import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { pino } from 'pino'
import { SecretBox } from '../../src/app/SecretBox.ts'
import type { Reply } from '../../src/command/reply.ts'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { ChatIdentities } from '../../src/identity/ChatIdentities.ts'
import { enqueueNotification } from '../../src/notify/enqueueNotification.ts'
import { Notifier, type Destination } from '../../src/notify/Notifier.ts'

// Two notifier processes (two connections to one SQLite file) working the same
// outbox: the "pending → sending" claim is what keeps a delivery from going out twice.

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A chat platform that takes a few milliseconds per message, as a real one does. */
function slowDestination(sent: string[]): Destination {
  return {
    async sendPrivate(to: string, reply: Reply) {
      await new Promise((resolve) => setTimeout(resolve, 5))
      sent.push(`${to}:${reply.text}`)
    },
    async sendToChannel(to: string, reply: Reply) {
      sent.push(`#${to}:${reply.text}`)
    },
  }
}

function sharedOutbox() {
  const dir = mkdtempSync(join(tmpdir(), 'gridshare-notify-'))
  dirs.push(dir)
  const path = join(dir, 'outbox.db')
  const secrets = new SecretBox(randomBytes(32))
  const sent: string[] = []
  const connections = [openDatabase(path), openDatabase(path)]
  const notifiers = connections.map(
    ({ db }) =>
      new Notifier({ db, logger: pino({ level: 'silent' }), clock: () => 1_000_000, secrets, destinations: new Map([['telegram', slowDestination(sent)]]), random: () => 0.5 }),
  )
  return { db: connections[0]!.db, sqlite: connections[0]!.sqlite, notifiers, sent, close: () => connections.forEach((c) => c.close()) }
}

describe('concurrent notifiers', () => {
  test('two notifiers running at once deliver each message exactly once', async () => {
    const { db, sqlite, notifiers, sent, close } = sharedOutbox()
    const { accountId } = new ChatIdentities(db).ensure({ platform: 'telegram', id: 'u1', name: 'u1' }, 1_000_000)
    for (const n of [1, 2, 3, 4]) enqueueNotification(db, { dedupeKey: `k${n}`, accountId, topic: 'jobs', reply: { text: `message ${n}` }, now: 1_000_000 })
    // Both read the due list while the other is mid-send: each sees deliveries the other will also try.
    const counts = await Promise.all([notifiers[0]!.run(), notifiers[1]!.run()])
    // Each counts only what it sent itself: a delivery the other claimed is not counted twice.
    expect(counts[0]! + counts[1]!).toBe(4)
    expect(sent.sort()).toEqual(['u1:message 1', 'u1:message 2', 'u1:message 3', 'u1:message 4'])
    expect(sqlite.prepare('select status, attempts from deliveries order by id').all()).toEqual(Array.from({ length: 4 }, () => ({ status: 'sent', attempts: 1 })))
    // Nothing is left for a later pass either.
    expect(await notifiers[0]!.run()).toBe(0)
    expect(sent).toHaveLength(4)
    close()
  })
})
