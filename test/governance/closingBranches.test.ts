import { describe, expect, test } from 'vitest'
import { createGovernanceHarness, HOUR, TOKEN } from './governanceHarness.ts'

// Every branch of closing a proposal that decides what happens to a parameter,
// and what the announcement says: exact texts, exact rows.

function announcement(h: ReturnType<typeof createGovernanceHarness>, id: string) {
  const row = h.sqlite.prepare('select account_id as accountId, topic, reply from notifications where dedupe_key = ?').get(`proposal.result:${id}`) as { accountId: number | null; topic: string; reply: string }
  return { ...row, reply: JSON.parse(row.reply) as { title: string; text: string } }
}

describe('closing: branches', () => {
  test('a proposal without a parameter closes, announces its winner to everyone, and executes nothing', async () => {
    const h = createGovernanceHarness()
    await h.propose({ title: 'Adopt the logo', duration: '1' })
    await h.holder('yes', { y: 2000n * TOKEN }).vote('p1', 'For')
    h.clock.now += HOUR
    expect(h.governance.closeDue()).toEqual([{ id: 'p1', quorumMet: true, winner: 1, executed: false }])
    const closed = h.governance.proposal('p1')
    expect(closed.status).toBe('closed')
    expect(closed.result).toMatchObject({ quorumMet: true, winner: 1, executedAt: null, scores: [2000, 0, 0], scoresTotal: (2000n * TOKEN).toString() })
    expect(h.sqlite.prepare("select status, closed_at as closedAt from proposals where id = 'p1'").get()).toEqual({ status: 'closed', closedAt: h.clock.now })
    expect(announcement(h, 'p1')).toEqual({
      accountId: null,
      topic: 'governance',
      reply: { title: 'Result of p1: Adopt the logo', text: 'For wins with 2,000 GRID of 2,000 GRID cast; quorum met.' },
    })
    expect(h.params.list().filter((p) => p.setByProposal !== null)).toEqual([])
    // Closed once: a second pass finds nothing.
    expect(h.governance.closeDue()).toEqual([])
  })

  test('a parameter change that is no longer valid when the vote closes is reported, not applied, and the proposal still closes', async () => {
    const h = createGovernanceHarness()
    await h.propose({ title: 'Raise fee', param: 'protocol_fee_bps=400', duration: '1' })
    await h.holder('yes', { y: 2000n * TOKEN }).vote('p1', 'For')
    // As if the parameter's rules changed after the proposal was made (9000 bps is now out of range).
    h.sqlite.prepare("update proposals set param_value = '9000' where id = 'p1'").run()
    h.clock.now += HOUR
    expect(h.governance.closeDue()).toEqual([{ id: 'p1', quorumMet: true, winner: 1, executed: false }])
    expect(h.params.get('protocol_fee_bps')).toBe('500')
    expect(h.governance.proposal('p1')).toMatchObject({ status: 'closed', result: { executedAt: null } })
    expect(announcement(h, 'p1').reply.text).toBe(
      'For wins with 2,000 GRID of 2,000 GRID cast; quorum met. protocol_fee_bps was not changed: The value "9000" for protocol_fee_bps is not valid: expected a whole number from 0 to 5000.',
    )
  })

  test('a proposal of a voting type this version does not know stops the close with an operator error and stays open', async () => {
    const h = createGovernanceHarness()
    await h.propose({ title: 'Odd', duration: '1' })
    h.sqlite.prepare("update proposals set type = 'copeland' where id = 'p1'").run()
    h.clock.now += HOUR
    expect(() => h.governance.closeDue()).toThrow(new Error('proposal p1 has unknown voting type copeland'))
    expect(h.sqlite.prepare("select status, closed_at as closedAt from proposals where id = 'p1'").get()).toMatchObject({ closedAt: null })
  })
})
