import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import type { CloseOutcome } from '../../src/governance/closeDueProposals.ts'
import { raceWorkers } from '../support/raceWorkers.ts'
import { createGovernanceHarness, HOUR, TOKEN } from './governanceHarness.ts'

// Several scheduler processes closing the same due proposals at once (worker
// threads, each with its own connection to one SQLite file): each proposal is
// closed, executed and announced exactly once.

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('concurrent closing', () => {
  test('5 processes closing 40 due proposals: each closed and executed once, by exactly one of them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridshare-close-'))
    dirs.push(dir)
    const path = join(dir, 'governance.db')
    const h = createGovernanceHarness({ path })
    const ids: string[] = []
    for (let i = 0; i < 40; i++) ids.push((await h.propose({ title: `Fee ${i}`, param: `protocol_fee_bps=${100 + i}`, duration: '1' })).id)
    const whale = h.holder('whale', { w: 5000n * TOKEN })
    for (const id of ids) await whale.vote(id, 'For')
    const now = h.clock.now + HOUR
    h.clock.now = now
    // This thread is a fifth closer, on its own connection.
    const results = await raceWorkers<{ outcomes: CloseOutcome[] }, CloseOutcome[]>(new URL('./closeRaceWorker.ts', import.meta.url), 4, () => ({ path, now }), () => h.governance.closeDue())
    // No proposal is reported closed by two processes. (A pass that meets a locked
    // database throws after closing some, so not every close is reported; the rows say all.)
    const closedBy = [...results, { outcomes: results.alongside! }].flatMap((r) => r.outcomes.map((o) => o.id))
    expect(closedBy.length).toBeGreaterThan(0)
    expect(new Set(closedBy).size).toBe(closedBy.length)
    expect(results.flatMap((r) => r.outcomes).every((o) => o.quorumMet && o.winner === 1 && o.executed)).toBe(true)
    expect(h.sqlite.prepare("select count(*) as n from proposals where status = 'closed' and executed_at = ?").get(now)).toEqual({ n: 40 })
    expect(h.sqlite.prepare("select count(*) as n from notifications where dedupe_key like 'proposal.result:%'").get()).toEqual({ n: 40 })
    // The parameter holds the value of one of the proposals, set by that proposal.
    const fee = h.params.list().find((p) => p.name === 'protocol_fee_bps')!
    expect(ids[Number(fee.value) - 100]).toBe(fee.setByProposal)
    h.close()
  }, 120_000)
})
