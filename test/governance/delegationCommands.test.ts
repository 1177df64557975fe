import { describe, expect, test } from 'vitest'
import delegate from '../../commands/delegate.ts'
import delegates from '../../commands/delegates.ts'
import undelegate from '../../commands/undelegate.ts'
import { slashCommandsOf } from '../../src/chat/discord/slashCommandsOf.ts'
import { delegations } from '../../src/db/schema/governance.ts'
import { proposals } from '../../src/db/schema/governance.ts'
import { NOTIFICATION_TOPICS } from '../../src/db/schema/outbox.ts'
import { governanceRoutes } from '../../src/http/governanceRoutes.ts'
import { ChatIdentities } from '../../src/identity/ChatIdentities.ts'
import { createGovernanceHarness, HOUR, TOKEN } from './governanceHarness.ts'

function harness() {
  return createGovernanceHarness({ extraCommands: [delegate, undelegate, delegates] })
}

describe('/delegate: who it names', () => {
  test('attack: self, an ambiguous name, another platform\'s mention, unknown people and bad input are refused and change nothing', async () => {
    const h = harness()
    const alice = h.holder('alice', { a: 100 })
    h.holder('bob', { b: 1 })
    const identities = new ChatIdentities(h.db)
    // A Telegram first name can look like a username: two "@bob"s are never guessed between.
    identities.ensure({ platform: 'telegram', id: '999', name: '@bob' }, h.clock.now)
    identities.ensure({ platform: 'discord', id: '4242', name: 'eve' }, h.clock.now)
    const answers = await Promise.all(
      ['/delegate @alice', `/delegate ${alice.addresses[0]}`, '/delegate @bob', '/delegate <@4242>', '/delegate @eve', '/delegate bob', '/delegate 0x1234', '/delegate'].map(
        async (t) => (await alice.run(t))!.text,
      ),
    )
    expect(answers).toMatchInlineSnapshot(`
      [
        "That is you: your own power already counts when you vote. Delegate to someone else, or /undelegate.",
        "That is you: your own power already counts when you vote. Delegate to someone else, or /undelegate.",
        "More than one telegram user here is called @bob; delegate to their wallet address instead.",
        "That is a Discord mention; on telegram expected a mention such as @alice or a wallet address such as 0x1234…abcd.",
        "No one called @eve has used this bot on telegram, so there is no account to delegate to; ask them to run /help once, or delegate to their wallet address.",
        ""bob" is not someone to delegate to; expected a mention such as @alice or a wallet address such as 0x1234…abcd.",
        ""0x1234" is not a wallet address; expected a mention such as @alice or a wallet address such as 0x1234…abcd.",
        "To is missing: expected a mention such as @alice or a wallet address such as 0x1234…abcd.
      Usage: /delegate <to>",
      ]
    `)
    expect(h.db.select().from(delegations).all()).toEqual([])
  })

  test('a new delegation ends the old one and keeps it; the same one twice changes nothing', async () => {
    const h = harness()
    const alice = h.holder('alice', { a: 100 })
    const bob = h.holder('bob', { b: 1 })
    const carol = h.holder('carol', { c: 1 })
    const start = h.clock.now
    await alice.run('/delegate @bob')
    h.clock.now += 1000
    expect((await alice.run('/delegate @BOB'))!.text).toBe('You already delegate to @bob; nothing changed.')
    h.chain.mine()
    expect((await alice.run('/delegate @carol'))!.text).toMatch(/^You now delegate your voting power to @carol \(instead of @bob\)\./)
    expect(h.db.select().from(delegations).all()).toEqual([
      { id: 1, fromAccountId: alice.accountId, toAccountId: bob.accountId, toAddress: null, startBlock: 100, startAt: start, endBlock: 101, endAt: start + 1000 },
      { id: 2, fromAccountId: alice.accountId, toAccountId: carol.accountId, toAddress: null, startBlock: 101, startAt: start + 1000, endBlock: null, endAt: null },
    ])
  })

  test('on Discord a mention (<@id>, as Discord fills a string option) names that Discord user\'s account; the option renders as a required string', async () => {
    const h = harness()
    const dora = { platform: 'discord' as const, id: '1001', name: 'dora' }
    const identities = new ChatIdentities(h.db)
    const { accountId: doraAccount } = identities.ensure(dora, h.clock.now)
    const { accountId: fredAccount } = identities.ensure({ platform: 'discord', id: '1002', name: 'fred' }, h.clock.now)
    const reply = await h.pipeline.runCommand(dora, { id: 'chan', kind: 'group' }, 'delegate', { to: '<@!1002>' })
    expect(reply.text).toBe('You now delegate your voting power to @fred. It counts on proposals whose snapshot is taken from now on, when @fred votes. Voting yourself on a proposal overrides your delegate there, even after they voted. /undelegate ends it.')
    expect(h.db.select({ from: delegations.fromAccountId, to: delegations.toAccountId }).from(delegations).all()).toEqual([{ from: doraAccount, to: fredAccount }])
    expect(slashCommandsOf([delegate, undelegate, delegates]).map((c) => [c.name, c.description, c.options])).toEqual([
      [
        'delegate',
        'Lend your voting power on native proposals to someone who votes',
        [{ name: 'to', description: 'The delegate: a @mention, or a wallet address 0x…', required: true, type: 3 }],
      ],
      ['undelegate', 'Stop delegating your voting power; you vote for yourself again', []],
      ['delegates', 'The delegates: power lent to them, delegators, how often they vote', []],
    ])
  })
})

describe('what delegation shows', () => {
  test('/proposal … votes and the vote export mark the delegated power', async () => {
    const h = harness()
    const alice = h.holder('alice', { a: 100 })
    const bob = h.holder('bob', { b: 50 })
    await alice.run('/delegate @bob')
    h.clock.now += 1000
    await h.propose({ title: 'Fee', duration: '72' })
    await bob.run('/vote p1 For')
    const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`
    const view = await bob.run('/proposal p1 votes')
    // Listed by time, then address.
    const expected = [
      [alice.addresses[0]!, [short(alice.addresses[0]!), 'For', '100 GRID', '2026-11-26 12:00 UTC', 'delegated, cast by @bob']],
      [bob.addresses[0]!, [short(bob.addresses[0]!), 'For', '50 GRID', '2026-11-26 12:00 UTC', 'chat']],
    ] as const
    expect(view!.table!.rows).toEqual([...expected].sort((x, y) => x[0].localeCompare(y[0])).map((e) => e[1]))
    expect(view!.text).toBe('1 of 2 wallets were voted by a delegate (marked delegated); a delegator who votes replaces that row.\nFull export with signatures: http://localhost:8787/api/v1/proposals/p1/votes')
    const exported = (await (await governanceRoutes({ governance: h.governance }).request('/api/v1/proposals/p1/votes')).json()) as {
      proposal: { delegatedPower: string; cast: string }
      votes: { address: string; power: string; delegatedTo: string | null }[]
    }
    expect(exported.proposal).toMatchObject({ delegatedPower: (100n * TOKEN).toString(), cast: (150n * TOKEN).toString() })
    expect(exported.votes.map((v) => [v.address, v.power, v.delegatedTo]).sort()).toEqual(
      [
        [alice.addresses[0], (100n * TOKEN).toString(), '@bob'],
        [bob.addresses[0], (50n * TOKEN).toString(), null],
      ].sort(),
    )
  })

  test('a Snapshot proposal says delegation is native only', async () => {
    const h = harness()
    const alice = h.holder('alice', { a: 1 })
    h.db
      .insert(proposals)
      .values({ id: 's-1a2b3c', source: 'snapshot', externalId: '0xabc', title: 'Hub one', body: '', choices: '["For","Against"]', type: 'single-choice', startAt: h.clock.now - HOUR, endAt: h.clock.now + HOUR, snapshotBlock: 100, quorum: '0', status: 'active', createdAt: h.clock.now - HOUR, scores: '[0,0]', scoresTotal: '0' })
      .run()
    const shown = await alice.run('/proposal s-1a2b3c')
    expect(shown!.fields!.find((f) => f.name === 'Delegation')).toEqual({ name: 'Delegation', value: "/delegate counts on native proposals only; this Snapshot proposal counts Snapshot's own delegation." })
    expect((await harnessWithSpace().holder('alice').run('/delegate 0x1234567890abcdef1234567890abcdef12345678'))!.text).toMatch(
      / Delegation is for native proposals \(p12\) only; Snapshot proposals \(s-…\) count Snapshot's own delegation\.$/,
    )
  })

  test('/delegates: power lent now, delegators, participation since the first delegation, last votes', async () => {
    const h = harness()
    const alice = h.holder('alice', { a: 100 })
    const carol = h.holder('carol', { c: 30 })
    const erin = h.holder('erin', { e: 10 })
    const bob = h.holder('bob', { b: 50 })
    h.holder('dan')
    expect((await alice.run('/delegates'))!.text).toBe('No one delegates yet. You do not delegate; /delegate @name to lend your power.')
    await alice.run('/delegate @bob')
    await carol.run('/delegate @bob')
    await erin.run('/delegate @dan')
    h.clock.now += 1000
    await h.propose({ title: 'One', duration: '72' })
    h.clock.now += 1000
    await h.propose({ title: 'Two', duration: '72' })
    await bob.run('/vote p1 Against')
    // Balances now, not at a snapshot: carol sold 20.
    h.chain.mine()
    h.chain.setBalance(carol.addresses[0]!, 10n * TOKEN)
    const board = await alice.run('/delegates')
    expect(board!.table).toEqual({
      columns: ['delegate', 'delegated power', 'delegators', 'participation', 'last votes'],
      rows: [
        ['@bob', '110 GRID', '2', '1/2 (50%)', 'p1 Against'],
        ['@dan', '10 GRID', '1', '0/2 (0%)', '—'],
      ],
    })
    expect(board!.text).toBe("Power is the delegators' balances now; at a proposal it is taken at its snapshot block. Native proposals only. You delegate to @bob.")
  })
})

describe('notices', () => {
  test('a delegate\'s reminder says what it carries; a delegator whose delegate voted is not reminded; delegation is a /notify topic', async () => {
    const h = harness()
    const alice = h.holder('alice', { a: 100 })
    const bob = h.holder('bob', { b: 50 })
    const erin = h.holder('erin', { e: 10 })
    const dan = h.holder('dan')
    await alice.run('/delegate @bob')
    await erin.run('/delegate @dan')
    h.clock.now += 1000
    const p = await h.propose({ title: 'Remind', duration: '72' })
    const reminders = (label: string) =>
      Object.fromEntries(h.outbox().filter((n) => n.dedupeKey.startsWith(`proposal.remind:p1:${label}:`)).map((n) => [n.accountId, JSON.parse(n.reply).text as string]))
    h.clock.now = p.endAt - 24 * HOUR
    expect(await h.governance.remind()).toBe(4)
    const says = (power: string) => `"Remind" closes 2026-11-29 12:00 UTC and you have not voted; your power is ${power}. /proposal p1 to vote.`
    expect(reminders('24h')).toEqual({
      [alice.accountId]: says('100 GRID'),
      [bob.accountId]: says('150 GRID: 50 GRID your own and 100 GRID delegated to you by 1 account'),
      [erin.accountId]: says('10 GRID'),
      [dan.accountId]: says('10 GRID: 0 GRID your own and 10 GRID delegated to you by 1 account'),
    })
    await bob.vote('p1', 'For')
    h.clock.now = p.endAt - HOUR
    expect(await h.governance.remind()).toBe(2)
    expect(Object.keys(reminders('1h')).map(Number).sort()).toEqual([erin.accountId, dan.accountId].sort())
    expect(NOTIFICATION_TOPICS).toContain('delegation')
    expect(h.outbox().filter((n) => n.topic === 'delegation').map((n) => n.accountId)).toEqual([alice.accountId])
  })
})

function harnessWithSpace() {
  // No hub is contacted: /delegate only reads whether a space is configured.
  return createGovernanceHarness({ extraCommands: [delegate], snapshot: { hubUrl: 'http://127.0.0.1:9', space: 'gridshare.eth' }, fetch: (() => Promise.reject(new Error('offline'))) as typeof fetch })
}
