import { pino } from 'pino'
import admin from '../../commands/admin.ts'
import { describe, expect, test } from 'vitest'
import type { Address } from 'viem'
import { wallets } from '../../src/db/schema/wallets.ts'
import { Governance } from '../../src/governance/Governance.ts'
import { ChatIdentities } from '../../src/identity/ChatIdentities.ts'
import { setTopic } from '../../src/notify/preferences.ts'
import type { QuotePayload } from '../../src/market/quoteRental.ts'
import { createMarketHarness, TOKEN } from '../support/marketHarness.ts'
import { addressOf, createFakeChain, createGovernanceHarness, HOUR } from './governanceHarness.ts'

/** Governance on the marketplace's database, so a passed proposal meets the next settlement. */
function governedMarket() {
  const m = createMarketHarness()
  const chain = createFakeChain()
  const governance = new Governance({
    db: m.db,
    clock: () => m.clock.now,
    logger: pino({ level: 'silent' }),
    units: m.units,
    params: m.params,
    publicClient: chain.publicClient,
    token: addressOf('token'),
    publicUrl: 'http://localhost:8787',
    secrets: m.secrets,
  })
  const identities = new ChatIdentities(m.db)
  const holder = (name: string, tokens: bigint) => {
    const { accountId } = identities.ensure({ platform: 'telegram', id: name, name }, m.clock.now)
    const address = addressOf(name)
    m.db.insert(wallets).values({ address, accountId, linkedAt: m.clock.now }).run()
    chain.setBalance(address, tokens * TOKEN)
    return { accountId, address }
  }
  const admin = identities.ensure({ platform: 'console', id: 'op', name: 'op' }, m.clock.now)
  return { m, governance, holder, propose: (fields: Record<string, string>) => governance.propose({ accountId: admin.accountId, isAdmin: true, fields }) }
}

function rentOneHour(m: ReturnType<typeof createMarketHarness>, accountId: number) {
  const quote = m.rentals.quote({ accountId, model: 'H100-80GB', hours: 1, gpuCount: 1 })
  return m.rentals.confirm({ accountId, quote: { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() } as QuotePayload })
}

describe('closing and execution', () => {
  test('a passed parameter change sets protocol_fee_bps once, with the proposal id, and the next settlement uses it', async () => {
    const { m, governance, holder, propose } = governedMarket()
    const provider = m.provider(1)
    const renter = m.renter('renter', 20)
    const proposal = await propose({ title: 'Lower fee', param: 'protocol_fee_bps=400', duration: '2' })
    const yes = holder('yes', 1200n)
    const no = holder('no', 300n)
    await governance.vote({ accountId: yes.accountId, identity: 'telegram:yes', proposalId: proposal.id, choice: 'For' })
    await governance.vote({ accountId: no.accountId, identity: 'telegram:no', proposalId: proposal.id, choice: 'Against' })
    const rental = rentOneHour(m, renter)
    m.rentals.reportRunning(provider.address, rental.id, { host: 'h' })
    m.clock.now += HOUR
    expect(governance.closeDue()).toEqual([])
    expect(m.params.get('protocol_fee_bps')).toBe('500')

    m.clock.now += HOUR
    expect(governance.closeDue()).toEqual([{ id: 'p1', quorumMet: true, winner: 1, executed: true }])
    expect(m.params.list().find((p) => p.name === 'protocol_fee_bps')).toMatchObject({ value: '400', setByProposal: 'p1' })
    expect(governance.proposal('p1').result).toMatchObject({ quorumMet: true, winner: 1, executedAt: m.clock.now, scores: [1200, 300, 0] })

    // An admin's later change stands: closing again executes nothing twice.
    m.params.set('protocol_fee_bps', '450', { setByProposal: null, now: m.clock.now })
    expect(governance.closeDue()).toEqual([])
    expect(m.params.get('protocol_fee_bps')).toBe('450')
    m.params.set('protocol_fee_bps', '400', { setByProposal: 'p1', now: m.clock.now })

    m.rentals.expireDue()
    // 2 GRID for the hour at 4.00%.
    expect(m.rentals.get(renter, rental.id).fee).toBe(((2n * TOKEN * 400n) / 10_000n).toString())
    const result = m.sqlite.prepare("select reply from notifications where dedupe_key = 'proposal.result:p1'").get() as { reply: string }
    expect(JSON.parse(result.reply)).toEqual({
      title: 'Result of p1: Lower fee',
      text: 'For wins with 1,200 GRID of 1,500 GRID cast; quorum met. protocol_fee_bps is now 400 (set by proposal p1).',
    })
  })

  test('quorum not met: closed, announced, nothing executed', async () => {
    const { m, governance, holder, propose } = governedMarket()
    const proposal = await propose({ title: 'Lower fee', param: 'protocol_fee_bps=400', duration: '1' })
    const yes = holder('yes', 999n)
    await governance.vote({ accountId: yes.accountId, identity: 'telegram:yes', proposalId: proposal.id, choice: 'For' })
    m.clock.now += HOUR
    expect(governance.closeDue()).toEqual([{ id: 'p1', quorumMet: false, winner: 1, executed: false }])
    expect(m.params.list().find((p) => p.name === 'protocol_fee_bps')).toMatchObject({ value: '500', setByProposal: null })
    expect(governance.proposal('p1').result!.executedAt).toBeNull()
    const result = m.sqlite.prepare("select reply from notifications where dedupe_key = 'proposal.result:p1'").get() as { reply: string }
    expect(JSON.parse(result.reply).text).toBe('Quorum not met: 999 GRID of 1,000 GRID voted, so it does not pass. protocol_fee_bps stays as it was.')
  })

  // Quorum is "at least": exactly the quorum passes, one base unit less does not.
  test.each([
    ['exactly the quorum passes', 1000n * TOKEN, true],
    ['one base unit below the quorum does not', 1000n * TOKEN - 1n, false],
  ])('quorum boundary: %s', async (_name, power, passes) => {
    const h = createGovernanceHarness()
    expect(h.params.get('quorum')).toBe('1000')
    await h.propose({ title: 'Lower fee', param: 'protocol_fee_bps=400', duration: '1' })
    await h.holder('edge', { edge: power }).vote('p1', 'For')
    h.clock.now += HOUR
    expect(h.governance.closeDue()).toEqual([{ id: 'p1', quorumMet: passes, winner: 1, executed: passes }])
    expect(h.params.get('protocol_fee_bps')).toBe(passes ? '400' : '500')
    expect(h.governance.proposal('p1').result).toMatchObject({ quorumMet: passes, scoresTotal: power.toString() })
  })

  test('Against winning with quorum executes nothing', async () => {
    const { m, governance, holder, propose } = governedMarket()
    await propose({ title: 'Lower fee', param: 'protocol_fee_bps=400', duration: '1' })
    const no = holder('no', 5000n)
    await governance.vote({ accountId: no.accountId, identity: 'telegram:no', proposalId: 'p1', choice: 'Against' })
    m.clock.now += HOUR
    expect(governance.closeDue()).toEqual([{ id: 'p1', quorumMet: true, winner: 2, executed: false }])
    expect(m.params.get('protocol_fee_bps')).toBe('500')
  })

  test('/admin params shows the proposal that set a parameter', async () => {
    const h = createGovernanceHarness({ extraCommands: [admin] })
    await h.propose({ title: 'Lower fee', param: 'protocol_fee_bps=400', duration: '1' })
    await h.holder('whale', { w: 2000 }).vote('p1', 'For')
    h.clock.now += HOUR
    h.governance.closeDue()
    const operator = { platform: 'console' as const, id: 'operator', name: 'operator' }
    const reply = await h.pipeline.runText(operator, { id: 'console', kind: 'private' }, '/admin params')
    expect(reply!.table!.rows.find((r) => r[0] === 'protocol_fee_bps')).toEqual(['protocol_fee_bps', '400', 'proposal p1'])
  })

  test('a proposal that opens later is announced when it opens', async () => {
    const h = createGovernanceHarness()
    await h.propose({ title: 'Later', delay: '3', duration: '1' })
    expect(h.governance.openDue()).toEqual([])
    h.clock.now += 3 * HOUR
    expect(h.governance.openDue()).toEqual(['p1'])
    expect(h.governance.openDue()).toEqual([])
    expect(h.outbox().map((n) => n.dedupeKey)).toEqual(['proposal.new:p1', 'proposal.open:p1'])
    expect(h.governance.proposal('p1').status).toBe('active')
  })
})

describe('reminders', () => {
  test('24 h and 1 h before the end, only to linked holders with power at the snapshot who have not voted, once each', async () => {
    const h = createGovernanceHarness()
    const proposal = await h.propose({ title: 'Remind me', duration: '72' })
    const quiet = h.holder('quiet', { q1: 10, q2: 5 })
    const voter = h.holder('voter', { v: 10 })
    const empty = h.holder('empty', { e: 0 })
    const muted = h.holder('muted', { m: 10 })
    h.holder('unlinked')
    setTopic(h.db, muted.accountId, 'governance', false)
    await voter.vote(proposal.id, 'For')
    h.chain.mine()
    h.chain.setBalance(empty.addresses[0] as Address, 100n * TOKEN)

    h.clock.now = proposal.endAt - 25 * HOUR
    expect(await h.governance.remind()).toBe(0)
    h.clock.now = proposal.endAt - 24 * HOUR
    expect(await h.governance.remind()).toBe(1)
    expect(await h.governance.remind()).toBe(0)
    const reminders = () => h.outbox().filter((n) => n.dedupeKey.startsWith('proposal.remind'))
    expect(reminders().map((n) => [n.dedupeKey, n.accountId, n.topic])).toEqual([[`proposal.remind:p1:24h:${quiet.accountId}`, quiet.accountId, 'governance']])
    expect(JSON.parse(reminders()[0]!.reply)).toEqual({
      title: 'Voting on p1 closes in 24 hours',
      text: '"Remind me" closes 2026-11-29 12:00 UTC and you have not voted; your power is 15 GRID. /proposal p1 to vote.',
    })

    h.clock.now = proposal.endAt - HOUR
    expect(await h.governance.remind()).toBe(1)
    expect(reminders().map((n) => n.dedupeKey)).toEqual([`proposal.remind:p1:24h:${quiet.accountId}`, `proposal.remind:p1:1h:${quiet.accountId}`])
  })

  test('a holder who votes before the last hour gets no 1 h reminder; a short proposal gets only the 1 h one', async () => {
    const h = createGovernanceHarness()
    const long = await h.propose({ title: 'Long', duration: '48' })
    const short = await h.propose({ title: 'Short', duration: '12' })
    const holder = h.holder('holder', { w: 10 })
    h.clock.now = long.endAt - 24 * HOUR
    expect(await h.governance.remind()).toBe(1)
    await holder.vote(long.id, 'Against')
    h.clock.now = short.endAt - HOUR
    expect(await h.governance.remind()).toBe(1)
    h.clock.now = long.endAt - HOUR
    expect(await h.governance.remind()).toBe(0)
    expect(h.outbox().filter((n) => n.dedupeKey.startsWith('proposal.remind')).map((n) => n.dedupeKey)).toEqual([
      `proposal.remind:p1:24h:${holder.accountId}`,
      `proposal.remind:p2:1h:${holder.accountId}`,
    ])
  })
})
