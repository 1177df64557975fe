import { expect, test } from 'vitest'
import { PendingStarts } from '../../../src/chat/telegram/PendingStarts.ts'

function setup() {
  let now = 1_000_000
  const pending = new PendingStarts({ clock: () => now })
  return { pending, advance: (ms: number) => void (now += ms) }
}

test('a payload fits a t.me start parameter and gives the command back once, to its user', () => {
  const { pending } = setup()
  const payload = pending.add('42', { commandText: '/balance' })
  expect(payload).toMatch(/^[A-Za-z0-9_-]{16}$/)
  expect(pending.take(payload, '43')).toBeUndefined()
  expect(pending.take(payload, '42')).toEqual({ commandText: '/balance' })
  expect(pending.take(payload, '42')).toBeUndefined()
})

test('a payload expires after ten minutes', () => {
  const { pending, advance } = setup()
  const early = pending.add('42', { commandText: '/balance' })
  const late = pending.add('42', { commandText: '/wallet' })
  advance(10 * 60_000 - 1)
  expect(pending.take(early, '42')).toEqual({ commandText: '/balance' })
  advance(1)
  expect(pending.take(late, '42')).toBeUndefined()
})
