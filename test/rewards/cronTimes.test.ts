import { expect, test } from 'vitest'
import { cronTimesBetween, nextCronTime } from '../../src/rewards/cronTimes.ts'

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString())

test('daily at midnight UTC', () => {
  expect(iso(nextCronTime('0 0 * * *', Date.parse('2026-11-26T12:34:56Z')))).toBe('2026-11-27T00:00:00.000Z')
  expect(iso(nextCronTime('0 0 * * *', Date.parse('2026-11-27T00:00:00Z')))).toBe('2026-11-28T00:00:00.000Z')
})

test('seconds, weekdays and month ends', () => {
  expect(iso(nextCronTime('*/10 * * * * *', Date.parse('2026-11-26T12:00:05Z')))).toBe('2026-11-26T12:00:10.000Z')
  expect(iso(nextCronTime('0 0 * * mon', Date.parse('2026-11-26T00:00:00Z')))).toBe('2026-11-30T00:00:00.000Z')
  expect(iso(nextCronTime('0 0 1 * *', Date.parse('2026-12-15T00:00:00Z')))).toBe('2027-01-01T00:00:00.000Z')
})

test('lists the closes missed during downtime, in order', () => {
  expect(cronTimesBetween('0 */6 * * *', Date.parse('2026-11-26T05:00:00Z'), Date.parse('2026-11-27T00:00:00Z')).map(iso)).toEqual([
    '2026-11-26T06:00:00.000Z',
    '2026-11-26T12:00:00.000Z',
    '2026-11-26T18:00:00.000Z',
    '2026-11-27T00:00:00.000Z',
  ])
})
