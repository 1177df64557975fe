import { describe, expect, test } from 'vitest'
import balanceCommand from '../../commands/balance.ts'
import providerCommand from '../../commands/provider.ts'
import type { CommandContext } from '../../src/command/CommandContext.ts'
import { parseArguments } from '../../src/command/parseArguments.ts'
import { validateOptions } from '../../src/command/validateOptions.ts'
import { available, bond, unbonding } from '../../src/ledger/balanceKeys.ts'
import { createMarketHarness, TOKEN } from '../support/marketHarness.ts'
import { userError } from '../support/userError.ts'

const DAY = 24 * 3600_000
const listed = (h: ReturnType<typeof createMarketHarness>) => (h.sqlite.prepare('select id from nodes where listed = 1 order by registered_at').all() as { id: string }[]).map((r) => r.id)

/** A provider with one verified 2× H100 node and `tokens` available, nothing bonded yet. */
function unbondedProvider(tokens: bigint) {
  const h = createMarketHarness()
  const { accountId, nodeId } = h.provider(1, {}, { trusted: false })
  h.verify(nodeId)
  h.fund(accountId, tokens * TOKEN)
  return { h, accountId, nodeId }
}

/** The words after /provider as a chat user types them, parsed as every adapter does. */
const typed = (words: string) => validateOptions(providerCommand, parseArguments(providerCommand, words)) as never

function context(h: ReturnType<typeof createMarketHarness>, accountId: number) {
  return { market: h.market, units: h.units, ledger: h.ledger, accountId, now: h.clock.now } as unknown as CommandContext
}

describe('bonds', () => {
  test('bond moves available to bond and lists the node it now covers', () => {
    const { h, accountId, nodeId } = unbondedProvider(150n)
    expect(h.bonds.bond({ accountId, amount: 60n * TOKEN })).toBe(60n * TOKEN)
    expect(listed(h)).toEqual([]) // 2 GPUs need 100 GRID
    expect(h.bonds.bond({ accountId, amount: 40n * TOKEN })).toBe(100n * TOKEN)
    expect(listed(h)).toEqual([nodeId])
    expect(h.ledger.balance(available(accountId))).toBe(50n * TOKEN)
    const kinds = h.sqlite.prepare("select kind from ledger_transactions where kind like 'provider.%'").all()
    expect(kinds).toEqual([{ kind: 'provider.bond' }, { kind: 'provider.bond' }])
    expect(h.invariants()).toEqual([])
  })

  test('error: bonding more than is available changes nothing', () => {
    const { h, accountId } = unbondedProvider(10n)
    expect(() => h.bonds.bond({ accountId, amount: 11n * TOKEN })).toThrow(userError('Bonding 11 GRID needs that much available, but you have 10 GRID; use /deposit to top up.'))
    expect(h.ledger.balance(bond(accountId))).toBe(0n)
    expect(h.ledger.balance(available(accountId))).toBe(10n * TOKEN)
  })

  test('unbond unlists at once and releases after unbond_days, not before, exactly once', () => {
    const { h, accountId, nodeId } = unbondedProvider(100n)
    h.bonds.bond({ accountId, amount: 100n * TOKEN })
    expect(listed(h)).toEqual([nodeId])
    const start = h.clock.now
    expect(h.bonds.unbond({ accountId, amount: 1n })).toEqual({ amount: 1n, releaseAt: start + 7 * DAY })
    expect(listed(h)).toEqual([]) // one base unit short of 2 GPUs
    expect(h.market.search({})).toEqual([])
    expect(h.ledger.balance(unbonding(accountId))).toBe(1n)
    h.clock.now = start + 7 * DAY - 1
    expect(h.bonds.releaseDue()).toBe(0)
    expect(h.ledger.balance(available(accountId))).toBe(0n)
    h.clock.now = start + 7 * DAY
    expect(h.bonds.releaseDue()).toBe(1)
    expect(h.bonds.releaseDue()).toBe(0)
    expect(h.ledger.balance(available(accountId))).toBe(1n)
    expect(h.ledger.balance(unbonding(accountId))).toBe(0n)
    const note = h.sqlite.prepare("select reply from notifications where dedupe_key like 'provider.unbond.release:%'").get() as { reply: string }
    expect(JSON.parse(note.reply).text).toBe('< 0.000001 GRID of your bond finished unbonding and is available again.')
    expect(h.invariants()).toEqual([])
  })

  test('error: unbonding more than the bond changes nothing', () => {
    const { h, accountId } = unbondedProvider(100n)
    h.bonds.bond({ accountId, amount: 30n * TOKEN })
    expect(() => h.bonds.unbond({ accountId, amount: 31n * TOKEN })).toThrow(userError('You have 30 GRID bonded, so you can unbond at most that.'))
    expect(h.sqlite.prepare('select count(*) as n from unbondings').get()).toEqual({ n: 0 })
    expect(h.ledger.balance(bond(accountId))).toBe(30n * TOKEN)
  })
})

describe('/provider and /balance', () => {
  test('/provider bond and unbond answer with the coverage', async () => {
    const h = createMarketHarness()
    const { accountId } = h.provider(1, { nodeKey: 'a' }, { trusted: false })
    h.clock.now += 1000
    h.provider(1, { nodeKey: 'b', gpus: [{ name: 'H100-80GB', memoryMb: 81920, count: 4 }] }, { trusted: false })
    h.fund(accountId, 300n * TOKEN)
    const ctx = context(h, accountId)
    expect(await providerCommand.run(typed('bond 100'), ctx)).toEqual({
      text: 'Bonded 100 GRID; your bond is now 100 GRID. Bond 100 GRID covers 2 of 6 GPUs (50 GRID each); 200 GRID more lists the rest.',
    })
    expect(await providerCommand.run(typed('unbond amount:25.5'), ctx)).toEqual({
      text: 'Unbonding 25.5 GRID: it returns to your balance on 2026-12-03 12:00 UTC unless slashed meanwhile. Bond 74.5 GRID covers 1 of 6 GPUs (50 GRID each); 225.5 GRID more lists the rest.',
    })
  })

  test('error: /provider bond with a bad amount says what was wrong and changes nothing', async () => {
    const { h, accountId } = unbondedProvider(100n)
    const ctx = context(h, accountId)
    await expect(async () => providerCommand.run(typed('bond lots'), ctx)).rejects.toThrow(
      userError('The bond amount "lots" is not a number; expected a positive amount of GRID such as 12.5.'),
    )
    await expect(async () => providerCommand.run(typed('unbond'), ctx)).rejects.toThrow(userError('Say how much: /provider unbond <amount>, e.g. /provider unbond 100.'))
    expect(h.ledger.balance(bond(accountId))).toBe(0n)
  })

  test('/provider shows each node\'s verification, listing, the bond and slashes', async () => {
    const h = createMarketHarness()
    const a = h.provider(1, { nodeKey: 'a' })
    h.sqlite.prepare('update nodes set measured_speed_bps = 9650 where id = ?').run(a.nodeId)
    h.clock.now += 1000
    const b = h.provider(1, { nodeKey: 'b' }, { trusted: false })
    h.clock.now += 1000
    const c = h.provider(1, { nodeKey: 'c' }, { trusted: false })
    h.sqlite.prepare("update nodes set verification = 'failed', verification_failure = 'row 17 of GPU 1 was wrong' where id = ?").run(c.nodeId)
    h.clock.now += 1000
    // A declared inventory's CPU challenge measures no GPU: no speed is claimed for it.
    const d = h.provider(1, { nodeKey: 'd', simulated: true }, { trusted: false })
    h.sqlite.prepare("update nodes set verification = 'verified', verified_at = ?, measured_speed_bps = 3 where id = ?").run(Date.UTC(2026, 10, 26, 12), d.nodeId)
    h.bonds.unbond({ accountId: a.accountId, amount: 10n * TOKEN })
    const reply = await providerCommand.run({} as never, context(h, a.accountId))
    expect(reply).toEqual({
      title: 'Your nodes',
      table: {
        columns: ['node', 'region', 'state', 'verification', 'listed', 'reliability', 'GPUs free', 'rentals', 'earned'],
        rows: [
          [a.nodeId, 'eu-west', 'online', 'verified 2026-11-26 12:00 UTC, 97% of expected speed', 'no', '100%', '2/2 H100-80GB', '0', '0 GRID'],
          [b.nodeId, 'eu-west', 'online', 'pending', 'no', '100%', '2/2 H100-80GB', '0', '0 GRID'],
          [c.nodeId, 'eu-west', 'online', 'failed: row 17 of GPU 1 was wrong', 'no', '100%', '2/2 H100-80GB', '0', '0 GRID'],
          [d.nodeId, 'eu-west', 'online', 'verified 2026-11-26 12:00 UTC, simulated GPUs (CPU challenge)', 'no', '100%', '2/2 H100-80GB', '0', '0 GRID'],
        ],
      },
      text: [
        'Bond 90 GRID covers 1 of 8 GPUs (50 GRID each); 310 GRID more lists the rest. 10 GRID unbonding until 2026-12-03 12:00 UTC.',
        'Rental earnings so far: 0 GRID (after the protocol fee). /rewards shows epoch rewards.',
      ].join('\n'),
    })
  })

  test('/balance shows the bond and what is unbonding with its release date', async () => {
    const { h, accountId } = unbondedProvider(100n)
    h.bonds.bond({ accountId, amount: 80n * TOKEN })
    h.bonds.unbond({ accountId, amount: 30n * TOKEN })
    expect(await balanceCommand.run({} as never, context(h, accountId))).toEqual({
      title: 'Your balance',
      fields: [
        { name: 'Available', value: '20 GRID' },
        { name: 'In escrow', value: '0 GRID' },
        { name: 'Provider bond', value: '50 GRID' },
        { name: 'Unbonding', value: '30 GRID, released 2026-12-03 12:00 UTC' },
      ],
      text: undefined,
    })
  })
})
