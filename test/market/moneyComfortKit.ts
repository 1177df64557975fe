import { pino } from 'pino'
import { expect } from 'vitest'
import type { Reply } from '../../src/command/reply.ts'
import type { Rental } from '../../src/db/schema/market.ts'
import { RentalReminders } from '../../src/market/rentalReminders.ts'
import { SpendLimits } from '../../src/market/SpendLimits.ts'
import { SEALED_PREFIX } from '../../src/notify/enqueueNotification.ts'
import { createMarketHarness } from '../support/marketHarness.ts'
import { marketPipeline } from '../support/marketPipeline.ts'

export const chat = { id: 'dm', kind: 'private' as const }
export const alice = { platform: 'telegram' as const, id: 'alice', name: 'alice' }
export const bob = { platform: 'telegram' as const, id: 'bob', name: 'bob' }
export type Person = typeof alice

/** The market harness (price 2 GRID per GPU-hour) with the real command
 *  pipeline, /limits and the reminder sweep on one in-memory SQLite. */
export function setUpMoneyComfort(options: { path?: string } = {}) {
  const h = createMarketHarness(options)
  const spendLimits = new SpendLimits({ db: h.db, units: h.units, clock: () => h.clock.now })
  const reminders = new RentalReminders({ db: h.db, units: h.units, rentals: h.rentals, clock: () => h.clock.now, logger: pino({ level: 'silent' }) })
  const pipeline = marketPipeline(h, { spendLimits })
  const provider = h.provider(1)
  const say = async (text: string, who: Person = alice) => (await pipeline.runText(who, chat, text))!
  const actionOf = (reply: Reply, label: string) => {
    const button = reply.buttons?.find((b) => b.label === label)
    expect(button, `${label} in ${JSON.stringify(reply)}`).toBeDefined()
    return 'action' in button! ? button.action : ''
  }
  /** The press's answer text, whether it worked or was refused. */
  const press = async (action: string, who: Person = alice) => {
    const outcome = await pipeline.press(who, chat, action)
    return outcome.status === 'ok' ? outcome.reply.text! : outcome.message
  }
  const rentalRow = (id: string) => h.sqlite.prepare('select * from rentals where id = ?').get(id) as Record<string, unknown>
  /** /rent …, Confirm, and the agent starts it: the running rental. */
  const rentRunning = async (text: string, who: Person = alice): Promise<Rental> => {
    const confirmed = await press(actionOf(await say(text, who), 'Confirm'), who)
    const id = /rental (r\w+)/.exec(confirmed)?.[1]
    expect(id, confirmed).toBeDefined()
    h.rentals.claim(provider.address, id!)
    return h.rentals.reportRunning(provider.address, id!, { host: '127.0.0.1', port: '2222' })
  }
  /** Outbox rows whose dedupe key starts with `prefix`, replies opened and parsed. */
  const outbox = (prefix: string) =>
    (h.sqlite.prepare('select dedupe_key as dedupeKey, account_id as accountId, topic, reply from notifications where dedupe_key like ? order by id').all(`${prefix}%`) as { dedupeKey: string; accountId: number; topic: string; reply: string }[]).map(
      (row) => ({ ...row, reply: JSON.parse(row.reply.startsWith(SEALED_PREFIX) ? h.secrets.open(row.reply.slice(SEALED_PREFIX.length)) : row.reply) as Reply }),
    )
  return { h, spendLimits, reminders, pipeline, provider, say, press, actionOf, rentalRow, rentRunning, outbox }
}
