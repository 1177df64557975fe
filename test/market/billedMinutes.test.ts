import { expect, test } from 'vitest'
import { billedMinutes, formatMinutes } from '../../src/market/billedMinutes.ts'
import { settle } from '../../src/market/settlement.ts'

const TOKEN = 10n ** 18n

/** What /stop and /job show, read back from a row that settle() wrote. */
const shown = (pricePerGpuHour: bigint, gpuCount: number, hours: number, ranMs: number) => {
  const result = settle({ pricePerGpuHour, gpuCount, hours, escrowed: pricePerGpuHour * BigInt(gpuCount * hours), startedAt: 0, servedUntil: ranMs, feeBps: 500 })
  return { billed: result.minutes, readBack: billedMinutes({ pricePerGpuHour: pricePerGpuHour.toString(), gpuCount, charged: result.charged.toString() }) }
}

test('reads back exactly the minutes settle() billed, for every price of at least 60 base units per GPU-hour', () => {
  for (const price of [60n, 61n, 97n, 120n, 7919n, 10n ** 12n + 1n, TOKEN / 3n, 2n * TOKEN, 123_456_789n * TOKEN])
    for (const gpuCount of [1, 3, 8])
      for (const ms of [0, 1, 59_999, 60_000, 60_001, 61 * 60_000 + 1000, 3 * 3600_000 - 1, 4 * 3600_000, 9 * 3600_000]) {
        const { billed, readBack } = shown(price, gpuCount, 4, ms)
        expect({ price, gpuCount, ms, minutes: readBack }).toEqual({ price, gpuCount, ms, minutes: billed })
      }
})

test('a rental that never ran, or was charged nothing, shows 0 min', () => {
  expect(billedMinutes({ pricePerGpuHour: (2n * TOKEN).toString(), gpuCount: 2, charged: null })).toBe(0)
  expect(billedMinutes({ pricePerGpuHour: '0', gpuCount: 2, charged: '0' })).toBe(0)
  expect(shown(2n * TOKEN, 2, 4, 0)).toEqual({ billed: 0, readBack: 0 })
})

test('formats minutes as /stop and /job show them', () => {
  expect([0, 45, 60, 65, 240].map(formatMinutes)).toEqual(['0 min', '45 min', '1 h', '1 h 5 min', '4 h'])
})
