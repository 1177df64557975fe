import { describe, expect, test } from 'vitest'
import { epochEmission } from '../../src/rewards/epochEmission.ts'

const HOUR = 3600_000
const emission = 50_000n * 10n ** 18n

describe('emission pro-rated by the epoch length', () => {
  test('a daily epoch started at 09:30 emits 14.5/24 of the day; an hourly one closed after 12 minutes emits a fifth', () => {
    const start = Date.UTC(2026, 10, 26, 9, 30)
    expect(epochEmission({ emission, epochCron: '0 0 * * *', startsAt: start, endsAt: Date.UTC(2026, 10, 27) })).toBe((emission * BigInt(14.5 * HOUR)) / BigInt(24 * HOUR))
    expect(epochEmission({ emission, epochCron: '0 * * * *', startsAt: start, endsAt: start + 12 * 60_000 })).toBe(emission / 5n)
  })

  test('a full period emits it all, and a longer epoch no more', () => {
    const midnight = Date.UTC(2026, 10, 26)
    expect(epochEmission({ emission, epochCron: '0 0 * * *', startsAt: midnight, endsAt: midnight + 24 * HOUR })).toBe(emission)
    expect(epochEmission({ emission, epochCron: '0 0 * * *', startsAt: midnight, endsAt: midnight + 72 * HOUR })).toBe(emission)
    expect(epochEmission({ emission, epochCron: '0 0 * * *', startsAt: midnight, endsAt: midnight })).toBe(0n)
  })
})
