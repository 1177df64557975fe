import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { AppError } from '../../src/errors/AppError.ts'
import type { QuotePayload } from '../../src/market/quoteRental.ts'
import { createMarketHarness, TOKEN } from '../support/marketHarness.ts'
import { raceWorkers } from '../support/raceWorkers.ts'

// Confirms from several processes at once (worker threads, each with its own
// connection to one SQLite file) for more GPUs than exist: no GPU is booked
// twice, no renter pays twice, no balance goes negative.

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('concurrent confirms', () => {
  test('5 processes confirming 40 quotes (each twice) for one 2-GPU node: exactly 2 rentals, each paid once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridshare-confirm-'))
    dirs.push(dir)
    const path = join(dir, 'market.db')
    const m = createMarketHarness({ path })
    m.provider(1)
    const renters = Array.from({ length: 40 }, (_, i) => m.renter(`r${i}`, 10))
    const jobs = renters.map((accountId) => {
      const quote = m.rentals.quote({ accountId, model: 'H100-80GB', hours: 1, gpuCount: 1 })
      return { accountId, quote: { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() } as QuotePayload }
    })
    // Every quote is confirmed by two different processes: double presses and competition at once.
    const share = (index: number) => jobs.filter((_, j) => j % 5 === index || (j + 1) % 5 === index)
    const confirmHere = () => {
      const outcomes: string[] = []
      for (const { accountId, quote } of share(4)) {
        try {
          outcomes.push(`ok:${accountId}:${m.rentals.confirm({ accountId, quote }).id}`)
        } catch (error) {
          outcomes.push(error instanceof AppError ? `refused:${accountId}:${error.code}` : `crashed:${accountId}:${String(error)}`)
        }
      }
      return outcomes
    }
    const results = await raceWorkers<{ outcomes: string[] }, string[]>(new URL('./confirmRaceWorker.ts', import.meta.url), 4, (index) => ({ path, now: m.clock.now, jobs: share(index) }), confirmHere)
    const outcomes = [...results.flatMap((r) => r.outcomes), ...results.alongside!]
    expect(outcomes).toHaveLength(80)
    expect(outcomes.filter((o) => o.startsWith('crashed'))).toEqual([])
    const rentals = m.sqlite.prepare('select id, account_id as accountId, gpu_count as gpus from rentals').all() as { id: string; accountId: number; gpus: number }[]
    // Two GPUs, so two rentals, by two different renters.
    expect(rentals).toHaveLength(2)
    expect(new Set(rentals.map((r) => r.accountId)).size).toBe(2)
    // A renter who confirmed twice still has one rental and paid once: 2 GRID for an hour of one GPU.
    for (const accountId of renters) {
      const has = rentals.some((r) => r.accountId === accountId)
      expect(m.ledger.balancesOf(accountId)).toEqual(has ? { available: 8n * TOKEN, escrow: 2n * TOKEN } : { available: 10n * TOKEN, escrow: 0n })
    }
    expect(outcomes.filter((o) => o.startsWith('ok:')).map((o) => o.split(':')[2]).sort()).toEqual(rentals.map((r) => r.id).sort())
    expect(m.invariants()).toEqual([])
    m.close()
  }, 120_000)
})
