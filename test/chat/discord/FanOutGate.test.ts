import { expect, test } from 'vitest'
import { FanOutGate } from '../../../src/chat/discord/FanOutGate.ts'
import { DeliveryError } from '../../../src/notify/DeliveryError.ts'

test('runs at most `concurrency` tasks, queues up to `maxWaiting`, refuses the rest', async () => {
  const gate = new FanOutGate({ concurrency: 2, maxWaiting: 2, retryAfterMs: 500 })
  let running = 0
  let peak = 0
  const task = async () => {
    running++
    peak = Math.max(peak, running)
    await new Promise((resolve) => setTimeout(resolve, 20))
    running--
    return 'sent'
  }
  const results = await Promise.allSettled(Array.from({ length: 6 }, () => gate.run(task)))
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected'])
  const refused = (results[5] as PromiseRejectedResult).reason
  expect(refused).toBeInstanceOf(DeliveryError)
  expect(refused).toMatchObject({ kind: 'rate_limited', retryAfterMs: 500 })
  expect(peak).toBe(2)
  expect(gate.pending).toEqual({ running: 0, waiting: 0 })
})

test('a failing task frees its slot', async () => {
  const gate = new FanOutGate({ concurrency: 1, maxWaiting: 5 })
  const outcomes = await Promise.allSettled([
    gate.run(async () => {
      throw new Error('boom')
    }),
    gate.run(async () => 'next'),
  ])
  expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled'])
  expect(gate.pending).toEqual({ running: 0, waiting: 0 })
})
