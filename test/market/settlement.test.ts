import { expect, test } from 'vitest'
import { settle } from '../../src/market/settlement.ts'

const TOKEN = 10n ** 18n
const base = { pricePerGpuHour: 2n * TOKEN, gpuCount: 2, hours: 4, escrowed: 16n * TOKEN, startedAt: 0, feeBps: 500 }

test('bills per started minute and refunds the rest exactly', () => {
  // 61 min 1 s of running = 62 started minutes; 2 GPUs × 2 GRID/h × 62/60 h
  const result = settle({ ...base, servedUntil: 61 * 60_000 + 1000 })
  expect(result.minutes).toBe(62)
  expect(result.charged).toBe((4n * TOKEN * 62n) / 60n)
  expect(result.fee).toBe((result.charged * 500n) / 10_000n)
  expect(result.providerEarns + result.fee).toBe(result.charged)
  expect(result.charged + result.refunded).toBe(16n * TOKEN)
})

test('never bills more than the hours paid for', () => {
  expect(settle({ ...base, servedUntil: 10 * 3600_000 })).toMatchObject({ minutes: 240, charged: 16n * TOKEN, refunded: 0n })
})

test('a rental that never ran costs nothing', () => {
  expect(settle({ ...base, startedAt: null, servedUntil: 3600_000 })).toMatchObject({ minutes: 0, charged: 0n, fee: 0n, refunded: 16n * TOKEN })
})

test('rounds fractions of a base unit down, in the renter\'s favour', () => {
  expect(settle({ ...base, pricePerGpuHour: 7n, gpuCount: 1, escrowed: 28n, servedUntil: 60_000 })).toMatchObject({ charged: 0n, refunded: 28n })
})
