import { describe, expect, test } from 'vitest'
import { Bonds } from '../../src/market/Bonds.ts'
import { available, bond, system, unbonding } from '../../src/ledger/balanceKeys.ts'
import { createMarketHarness, TOKEN } from '../support/marketHarness.ts'

// The branches of Bonds that decide where a provider's money sits, left open by
// Bonds.test.ts (issue 17's mutation run): zero amounts, the posting keys, a
// release capped by what slashes left, a release of nothing, and the summary's
// caps (covered GPUs, shortfall, pending rows).

const DAY = 24 * 3600_000

/** A provider with one verified 2× H100 node (100 GRID of bond lists it) and `tokens` available. */
function unbondedProvider(tokens: bigint) {
  const h = createMarketHarness()
  const { accountId, nodeId } = h.provider(1, {}, { trusted: false })
  h.verify(nodeId)
  h.fund(accountId, tokens * TOKEN)
  return { h, accountId, nodeId }
}

const thrown = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    return error
  }
  return 'no error'
}

const transactions = (h: ReturnType<typeof createMarketHarness>) =>
  h.sqlite.prepare("select kind, idempotency_key as key, created_at as at from ledger_transactions where kind like 'provider.%' order by id").all()

describe('bond and unbond', () => {
  test.each([[0n], [-1n]])('error: bonding or unbonding %i base units is refused with BAD_AMOUNT and changes nothing', (amount) => {
    const { h, accountId } = unbondedProvider(100n)
    expect(thrown(() => h.bonds.bond({ accountId, amount }))).toMatchObject({
      code: 'BAD_AMOUNT',
      userMessage: 'The bond amount must be more than 0 GRID, e.g. /provider bond 100.',
    })
    h.bonds.bond({ accountId, amount: 10n * TOKEN })
    expect(thrown(() => h.bonds.unbond({ accountId, amount }))).toMatchObject({
      code: 'BAD_AMOUNT',
      userMessage: 'The unbond amount must be more than 0 GRID, e.g. /provider unbond 50.',
    })
    expect(h.sqlite.prepare('select count(*) as n from unbondings').get()).toEqual({ n: 0 })
    expect(transactions(h)).toHaveLength(1)
    expect(h.ledger.balance(bond(accountId))).toBe(10n * TOKEN)
  })

  test('error codes: bonding over the available balance, unbonding over the bond', () => {
    const { h, accountId } = unbondedProvider(10n)
    expect(thrown(() => h.bonds.bond({ accountId, amount: 10n * TOKEN + 1n }))).toMatchObject({ code: 'INSUFFICIENT_BALANCE' })
    h.bonds.bond({ accountId, amount: 10n * TOKEN })
    expect(thrown(() => h.bonds.unbond({ accountId, amount: 10n * TOKEN + 1n }))).toMatchObject({ code: 'OVER_BOND' })
    expect(h.bonds.unbond({ accountId, amount: 10n * TOKEN }).amount).toBe(10n * TOKEN)
  })

  test('each posting has its own key: bond by account, time and id; unbond and release by the unbonding row', () => {
    const { h, accountId } = unbondedProvider(100n)
    const start = h.clock.now
    h.bonds.bond({ accountId, amount: 30n * TOKEN })
    h.bonds.bond({ accountId, amount: 20n * TOKEN })
    h.bonds.unbond({ accountId, amount: 5n * TOKEN })
    const [row] = h.sqlite.prepare('select id, amount, requested_at as requestedAt, release_at as releaseAt from unbondings').all() as { id: number }[]
    expect(row).toEqual({ id: row!.id, amount: String(5n * TOKEN), requestedAt: start, releaseAt: start + 7 * DAY })
    h.clock.now = start + 7 * DAY
    expect(h.bonds.releaseDue()).toBe(1)
    expect(transactions(h)).toEqual([
      { kind: 'provider.bond', key: `provider.bond:${accountId}:${start}:0`, at: start },
      { kind: 'provider.bond', key: `provider.bond:${accountId}:${start}:1`, at: start },
      { kind: 'provider.unbond', key: `provider.unbond:${row!.id}`, at: start },
      { kind: 'provider.unbond.release', key: `provider.unbond.release:${row!.id}`, at: start + 7 * DAY },
    ])
    expect(h.sqlite.prepare("select dedupe_key as key, account_id as accountId, topic from notifications where dedupe_key like 'provider.unbond%'").all()).toEqual([
      { key: `provider.unbond.release:${row!.id}`, accountId, topic: 'provider' },
    ])
  })

  test('without an id source, two bonds in the same millisecond both count (random key suffixes)', () => {
    const { h, accountId } = unbondedProvider(100n)
    const bonds = new Bonds({ db: h.db, ledger: h.ledger, units: h.units, params: h.params, clock: () => h.clock.now, listing: h.listing })
    bonds.bond({ accountId, amount: 1n * TOKEN })
    expect(bonds.bond({ accountId, amount: 2n * TOKEN })).toBe(3n * TOKEN)
    const keys = (transactions(h) as { key: string }[]).map((t) => t.key)
    expect(keys).toHaveLength(2)
    for (const key of keys) expect(key).toMatch(new RegExp(`^provider\\.bond:${accountId}:${h.clock.now}:[0-9a-f]{12}$`))
    expect(keys[0]).not.toBe(keys[1])
  })
})

describe('releasing unbondings', () => {
  test('two unbondings release one at a time, each only its own amount', () => {
    const { h, accountId } = unbondedProvider(100n)
    h.bonds.bond({ accountId, amount: 100n * TOKEN })
    const start = h.clock.now
    h.bonds.unbond({ accountId, amount: 10n * TOKEN })
    h.clock.now = start + DAY
    h.bonds.unbond({ accountId, amount: 20n * TOKEN })
    h.clock.now = start + 7 * DAY
    expect(h.bonds.releaseDue()).toBe(1)
    expect(h.ledger.balance(available(accountId))).toBe(10n * TOKEN)
    expect(h.ledger.balance(unbonding(accountId))).toBe(20n * TOKEN)
    h.clock.now = start + 8 * DAY
    expect(h.bonds.releaseDue()).toBe(1)
    expect(h.ledger.balance(available(accountId))).toBe(30n * TOKEN)
    expect(h.ledger.balance(unbonding(accountId))).toBe(0n)
    expect(h.invariants()).toEqual([])
  })

  test('a row worth more than what is left unbonding releases only what is left, and the run goes on', () => {
    const { h, accountId } = unbondedProvider(100n)
    h.bonds.bond({ accountId, amount: 100n * TOKEN })
    const start = h.clock.now
    h.bonds.unbond({ accountId, amount: 10n * TOKEN })
    // Something outside the rows took 4 GRID of the unbonding balance (an odd row).
    h.ledger.post({ kind: 'test.take', idempotencyKey: 'take', entries: [{ key: unbonding(accountId), amount: -4n * TOKEN }, { key: system('rewards_pool'), amount: 4n * TOKEN }], now: start })
    h.clock.now = start + 7 * DAY
    expect(h.bonds.releaseDue()).toBe(1)
    expect(h.ledger.balance(available(accountId))).toBe(6n * TOKEN)
    expect(h.ledger.balance(unbonding(accountId))).toBe(0n)
    const note = h.sqlite.prepare("select reply from notifications where dedupe_key like 'provider.unbond.release:%'").get() as { reply: string }
    expect(JSON.parse(note.reply).text).toBe('6 GRID of your bond finished unbonding and is available again.')
    expect(h.invariants()).toEqual([])
  })

  test('a row a slash emptied is marked released with no posting and no message', () => {
    const { h, accountId, nodeId } = unbondedProvider(100n)
    h.bonds.bond({ accountId, amount: 100n * TOKEN })
    const start = h.clock.now
    h.bonds.unbond({ accountId, amount: 100n * TOKEN })
    h.params.set('slash_fraud_bps', '10000', { setByProposal: null, now: start })
    expect(h.slashing.slashForFraud({ nodeId, reason: 'wrong answer', challengeId: 'c1' })).toBe(100n * TOKEN)
    expect(h.sqlite.prepare('select amount from unbondings').all()).toEqual([{ amount: '0' }])
    h.clock.now = start + 7 * DAY
    expect(h.bonds.releaseDue()).toBe(1)
    expect(h.sqlite.prepare('select released_at as at from unbondings').all()).toEqual([{ at: start + 7 * DAY }])
    expect(h.sqlite.prepare("select count(*) as n from ledger_transactions where kind = 'provider.unbond.release'").get()).toEqual({ n: 0 })
    expect(h.sqlite.prepare("select count(*) as n from notifications where dedupe_key like 'provider.unbond.release:%'").get()).toEqual({ n: 0 })
    expect(h.bonds.releaseDue()).toBe(0)
    expect(h.invariants()).toEqual([])
  })
})

describe('summary', () => {
  test('a bond above what every GPU needs covers all of them, with no shortfall', () => {
    const { h, accountId } = unbondedProvider(500n)
    h.bonds.bond({ accountId, amount: 250n * TOKEN })
    expect(h.bonds.summary(accountId)).toEqual({ bonded: 250n * TOKEN, perGpu: 50n * TOKEN, totalGpus: 2, coveredGpus: 2, shortfall: 0n, pending: [] })
  })

  test('exactly enough: all covered, shortfall 0; one base unit less: one GPU short', () => {
    const { h, accountId } = unbondedProvider(100n)
    h.bonds.bond({ accountId, amount: 100n * TOKEN })
    expect(h.bonds.summary(accountId)).toMatchObject({ coveredGpus: 2, shortfall: 0n })
    h.bonds.unbond({ accountId, amount: 1n })
    expect(h.bonds.summary(accountId)).toMatchObject({ coveredGpus: 1, shortfall: 1n })
  })

  test('with no bond required per GPU, every GPU is covered', () => {
    const { h, accountId } = unbondedProvider(0n)
    h.params.set('provider_bond_per_gpu', '0', { setByProposal: null, now: h.clock.now })
    expect(h.bonds.summary(accountId)).toEqual({ bonded: 0n, perGpu: 0n, totalGpus: 2, coveredGpus: 2, shortfall: 0n, pending: [] })
  })

  test('pending unbondings come soonest release first, without rows a slash emptied', () => {
    const { h, accountId, nodeId } = unbondedProvider(100n)
    h.bonds.bond({ accountId, amount: 100n * TOKEN })
    const start = h.clock.now
    const late = h.bonds.unbond({ accountId, amount: 30n * TOKEN })
    h.params.set('unbond_days', '2', { setByProposal: null, now: start })
    h.clock.now = start + 1000
    const soon = h.bonds.unbond({ accountId, amount: 20n * TOKEN })
    expect(h.bonds.summary(accountId).pending).toEqual([
      { amount: 20n * TOKEN, releaseAt: soon.releaseAt },
      { amount: 30n * TOKEN, releaseAt: late.releaseAt },
    ])
    // A fraud slash of 80 % of the 100 GRID stake: 50 from the bond, then 30 from the latest release first.
    h.params.set('slash_fraud_bps', '8000', { setByProposal: null, now: h.clock.now })
    h.slashing.slashForFraud({ nodeId, reason: 'wrong answer', challengeId: 'c2' })
    expect(h.sqlite.prepare('select amount from unbondings order by id').all()).toEqual([{ amount: '0' }, { amount: String(20n * TOKEN) }])
    expect(h.bonds.summary(accountId).pending).toEqual([{ amount: 20n * TOKEN, releaseAt: soon.releaseAt }])
  })
})
