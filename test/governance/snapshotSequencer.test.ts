import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { snapshotAliases, snapshotRelays } from '../../src/db/schema/governance.ts'
import { sequencerUrlFor } from '../../src/governance/snapshot/sequencerUrlFor.ts'
import { authorizeWallet, snapshotHarness, walletHolder } from './snapshotFixture.ts'
import { LocalSnapshot } from './LocalSnapshot.ts'

let local: LocalSnapshot

beforeAll(async () => {
  local = await new LocalSnapshot().start()
})
afterAll(async () => {
  await local?.stop()
})

const RETRY_MS = 30_000
const dms = (h: ReturnType<typeof snapshotHarness>) => h.outbox().filter((n) => n.dedupeKey.startsWith('snapshot.relay:')).map((n) => JSON.parse(n.reply).text as string)
const aliasOf = (h: ReturnType<typeof snapshotHarness>, address: string) => h.db.select().from(snapshotAliases).where(eq(snapshotAliases.address, address)).get()

describe('where envelopes go', () => {
  test('the sequencer URL: snapshot.js’s mapping for the hubs it knows, else <hub>/api/msg', () => {
    expect(sequencerUrlFor('https://hub.snapshot.org')).toBe('https://seq.snapshot.org')
    expect(sequencerUrlFor('https://testnet.hub.snapshot.org/')).toBe('https://testnet.seq.snapshot.org')
    expect(sequencerUrlFor('http://localhost:3000')).toBe('http://localhost:3001')
    expect(sequencerUrlFor('http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000/api/msg')
    expect(sequencerUrlFor('http://localhost:30001')).toBe('http://localhost:30001/api/msg')
    expect(sequencerUrlFor('https://snapshot.example.org/')).toBe('https://snapshot.example.org/api/msg')
  })

  test('the local hub is laid out like the real one: a 404 page at its root, /api/msg redirected to the sequencer', async () => {
    const root = await fetch(local.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(root.status).toBe(404)
    expect(root.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await root.text()).toContain('<pre>Cannot POST /</pre>')
    const msg = await fetch(`${local.url}/api/msg`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', redirect: 'manual' })
    expect([msg.status, msg.headers.get('location')]).toEqual([307, local.sequencerUrl])
    expect(await (await fetch(local.sequencerUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()).toEqual({
      error: 'client_error',
      error_description: 'wrong envelope format',
    })
  })

  test('with a self-hosted hub and no SNAPSHOT_SEQUENCER_URL, the Alias goes through the hub’s /api/msg and is accepted', async () => {
    const h = snapshotHarness(local)
    const ann = walletHolder(h, 'ann')
    const outcome = await authorizeWallet(h, ann.accountId, ann.wallet)
    expect(outcome.answer).toEqual({ status: 'accepted', id: expect.stringMatching(/^0x[0-9a-f]{64}$/) })
    expect(local.aliases).toEqual([{ address: ann.address, alias: outcome.alias, created: local.now() }])
  })

  test('error: a URL that is not a sequencer (the hub’s root) is refused at once, not retried for 15 minutes as “unavailable”', async () => {
    const h = snapshotHarness(local, { sequencerUrl: local.url })
    const bea = walletHolder(h, 'bea')
    const outcome = await authorizeWallet(h, bea.accountId, bea.wallet)
    expect(outcome.answer).toEqual({
      status: 'rejected',
      error: "the bot's Snapshot sequencer address answered HTTP 404 instead of Snapshot; an admin must fix it",
      undelivered: true,
    })
    expect(h.db.select({ status: snapshotRelays.status, attempts: snapshotRelays.attempts }).from(snapshotRelays).all()).toEqual([{ status: 'rejected', attempts: 1 }])
    expect(h.governance.relay!.pending()).toBe(0)
    expect(aliasOf(h, bea.address)).toBeUndefined()
  })

  test('error: a vote refused with a 4xx is reported in the reply that cast it, once', async () => {
    let target: string | undefined
    const h = snapshotHarness(local, { fetch: (url, init) => fetch(target ?? url, init) })
    const proposal = local.addProposal({ title: 'Fund the indexer' })
    await h.governance.syncSnapshot()
    const id = `s-${proposal.id.slice(2, 8)}`
    const cy = walletHolder(h, 'cy')
    await authorizeWallet(h, cy.accountId, cy.wallet)
    target = `${local.sequencerUrl}/nowhere`
    expect((await cy.run(`/vote ${id} For`))!.text).toBe(
      `Your vote For on ${id} was signed for Snapshot.\nYour vote on ${id} from ${cy.address} could not be delivered: the bot's Snapshot sequencer address answered HTTP 404 instead of Snapshot; an admin must fix it.`,
    )
    h.clock.now += 60 * 60_000
    expect(await h.governance.relayQueued()).toBe(0)
    expect(dms(h)).toEqual([])
  })

  test('a sequencer in maintenance (503) is retried, and the user told by DM when it lands', async () => {
    const h = snapshotHarness(local)
    const dot = walletHolder(h, 'dot')
    local.down = true
    const outcome = await authorizeWallet(h, dot.accountId, dot.wallet)
    expect(outcome.answer).toEqual({ status: 'queued' })
    local.down = false
    h.clock.now += RETRY_MS
    expect(await h.governance.relayQueued()).toBe(1)
    expect(local.received.map((r) => r.status)).toEqual([503, 200])
    expect(dms(h)).toEqual([`Snapshot accepted the voting authorization for ${dot.address} (receipt ${(local.received[1]!.answer as { id: string }).id}).`])
  })
})

describe('a vote and its alias', () => {
  test('attack on order: a vote cast while its Alias is still queued waits for it, instead of overtaking it and being refused for good', async () => {
    const h = snapshotHarness(local)
    const proposal = local.addProposal({ title: 'Fund the indexer' })
    await h.governance.syncSnapshot()
    const id = `s-${proposal.id.slice(2, 8)}`
    const eve = walletHolder(h, 'eve')
    local.down = true
    const { alias } = await authorizeWallet(h, eve.accountId, eve.wallet)
    local.down = false
    // The sequencer is back before the Alias's retry is due: a vote sent now would be "wrong alias".
    expect((await eve.run(`/vote ${id} Against`))!.text).toBe(
      `Your vote Against on ${id} was signed for Snapshot.\nYour vote on ${id} from ${eve.address} waits for Snapshot to accept your authorization, then goes; you get a message with its answer.`,
    )
    h.clock.now += 1000
    expect(await h.governance.relayQueued()).toBe(0)
    expect(local.received.map((r) => r.status)).toEqual([503])
    h.clock.now += RETRY_MS
    expect(await h.governance.relayQueued()).toBe(2)
    expect(local.received.map((r) => [(r.body as any).data.types.Alias ? 'alias' : 'vote', r.status])).toEqual([
      ['alias', 503],
      ['alias', 200],
      ['vote', 200],
    ])
    expect(local.votes).toMatchObject([{ voter: eve.address, signer: alias, choice: 2 }])
    expect(dms(h)).toEqual([
      `Snapshot accepted the voting authorization for ${eve.address} (receipt ${(local.received[1]!.answer as { id: string }).id}).`,
      `Snapshot accepted your vote on ${id} from ${eve.address} (receipt ${local.votes[0]!.id}).`,
    ])
  })

  test('a new /authorize leaves the accepted alias working until Snapshot accepts the new one', async () => {
    const h = snapshotHarness(local)
    const proposal = local.addProposal({ title: 'Fund the indexer' })
    await h.governance.syncSnapshot()
    const id = `s-${proposal.id.slice(2, 8)}`
    const fay = walletHolder(h, 'fay')
    const first = await authorizeWallet(h, fay.accountId, fay.wallet)
    h.clock.now += 1000
    local.down = true
    const second = await authorizeWallet(h, fay.accountId, fay.wallet)
    expect(second.answer).toEqual({ status: 'queued' })
    expect(aliasOf(h, fay.address)).toMatchObject({ aliasAddress: first.alias })
    local.down = false
    expect((await fay.run(`/vote ${id} For`))!.text).toMatch(/\nSnapshot accepted your vote/)
    expect(local.votes.map((v) => v.signer)).toEqual([first.alias])

    h.clock.now += RETRY_MS
    expect(await h.governance.relayQueued()).toBe(1)
    expect(aliasOf(h, fay.address)).toMatchObject({ aliasAddress: second.alias, signedAt: (local.now() - RETRY_MS / 1000) * 1000 })
    h.clock.now += 1000
    expect((await fay.run(`/vote ${id} Against`))!.text).toMatch(/\nSnapshot accepted your vote/)
    expect(local.votes.map((v) => v.signer)).toEqual([second.alias])
    expect((await fay.run('/revoke'))!.text).toBe("Destroyed the bot's Snapshot key for your wallet: it can no longer vote for you. Run /authorize if you want it back.")
  })

  test('a vote refused “wrong alias” while a newer alias is pending is signed by that one and sent once it lands', async () => {
    const h = snapshotHarness(local)
    const proposal = local.addProposal({ title: 'Fund the indexer' })
    await h.governance.syncSnapshot()
    const id = `s-${proposal.id.slice(2, 8)}`
    const gil = walletHolder(h, 'gil')
    await authorizeWallet(h, gil.accountId, gil.wallet)
    // Snapshot no longer honours the alias we hold (its 30 days counted from an earlier clock, say).
    local.aliases.length = 0
    h.clock.now += 1000
    local.down = true
    const renewed = await authorizeWallet(h, gil.accountId, gil.wallet)
    local.down = false
    expect((await gil.run(`/vote ${id} Abstain`))!.text).toBe(
      `Your vote Abstain on ${id} was signed for Snapshot.\nYour vote on ${id} from ${gil.address} waits for Snapshot to accept your authorization, then goes; you get a message with its answer.`,
    )
    expect(local.received.at(-1)!.answer).toEqual({ error: 'client_error', error_description: 'wrong alias' })
    h.clock.now += RETRY_MS
    expect(await h.governance.relayQueued()).toBe(2)
    expect(local.votes).toMatchObject([{ voter: gil.address, signer: renewed.alias, choice: 3 }])
    expect(dms(h).at(-1)).toBe(`Snapshot accepted your vote on ${id} from ${gil.address} (receipt ${local.votes[0]!.id}).`)
  })

  test('error: when Snapshot refuses the Alias, the votes waiting on it are refused too, saying why; a wrong alias with nothing pending is refused, saying what to do', async () => {
    const h = snapshotHarness(local)
    const proposal = local.addProposal({ title: 'Fund the indexer' })
    await h.governance.syncSnapshot()
    const id = `s-${proposal.id.slice(2, 8)}`
    const hal = walletHolder(h, 'hal')
    local.down = true
    const { alias } = await authorizeWallet(h, hal.accountId, hal.wallet)
    local.down = false
    // Someone else's wallet already uses that alias key: the real sequencer refuses the Alias.
    local.aliases.push({ address: '0x' + '3'.repeat(40), alias, created: local.now() })
    await hal.run(`/vote ${id} For`)
    h.clock.now += RETRY_MS
    expect(await h.governance.relayQueued()).toBe(1)
    expect(dms(h)).toEqual([
      `Snapshot refused the voting authorization for ${hal.address}: alias is already linked to another address.`,
      `Snapshot refused your vote on ${id} from ${hal.address}: it was signed under your new authorization, which Snapshot refused (alias is already linked to another address); run /authorize, then vote again.`,
    ])
    expect(local.votes).toEqual([])
    expect(aliasOf(h, hal.address)).toBeUndefined()
    expect((await hal.run(`/vote ${id} For`))!.text).toBe('Voting on Snapshot proposals from chat needs one signature first: run /authorize, then vote again.')

    // With nothing on its way, "wrong alias" is final and says what to do.
    const ida = walletHolder(h, 'ida')
    await authorizeWallet(h, ida.accountId, ida.wallet)
    local.aliases.length = 0
    expect((await ida.run(`/vote ${id} For`))!.text).toBe(
      `Your vote For on ${id} was signed for Snapshot.\nSnapshot refused your vote on ${id} from ${ida.address}: wrong alias. Run /authorize to renew the bot's authorization, then vote again.`,
    )
  })
})

describe('changing a vote', () => {
  test('a changed vote in the same second is not refused as “already voted same time with lower index”', async () => {
    const h = snapshotHarness(local)
    const proposal = local.addProposal({ title: 'Fund the indexer' })
    await h.governance.syncSnapshot()
    const id = `s-${proposal.id.slice(2, 8)}`
    const ned = walletHolder(h, 'ned')
    await authorizeWallet(h, ned.accountId, ned.wallet)
    for (const choice of ['For', 'Against', 'Abstain', 'Against']) expect((await ned.run(`/vote ${id} ${choice}`))!.text).toMatch(/\nSnapshot accepted your vote/)
    expect(local.votes).toMatchObject([{ voter: ned.address, choice: 2, created: local.now() + 3 }])
  })
})

describe('approval percentages', () => {
  test('each score over scores_total, as Snapshot shows them: one voter approving two choices is 100% for each', async () => {
    const h = snapshotHarness(local)
    const proposal = local.addProposal({ title: 'Pick', type: 'approval', choices: ['A', 'B', 'C'] })
    await h.governance.syncSnapshot()
    const id = `s-${proposal.id.slice(2, 8)}`
    const ivy = walletHolder(h, 'ivy')
    await authorizeWallet(h, ivy.accountId, ivy.wallet)
    expect((await ivy.run(`/vote ${id} 1,3`))!.text).toMatch(/Snapshot accepted/)
    await h.governance.syncSnapshot()
    expect([proposal.scores, proposal.scores_total]).toEqual([[25, 0, 25], 25])
    const shown = await ivy.run(`/proposal ${id}`)
    expect(shown!.fields!.find((f) => f.name === 'Tally')!.value).toBe(
      '1. A: 25 GRID (100.0%)\n2. B: 0 GRID (0.0%)\n3. C: 25 GRID (100.0%)\nQuorum: 25 GRID of 100 GRID (not met); 1 wallet voted.',
    )
    const jon = walletHolder(h, 'jon')
    local.powers.set(jon.address, 15)
    await authorizeWallet(h, jon.accountId, jon.wallet)
    expect((await jon.run(`/vote ${id} C`))!.text).toMatch(/Snapshot accepted/)
    await h.governance.syncSnapshot()
    expect((await ivy.run(`/proposal ${id}`))!.fields!.find((f) => f.name === 'Tally')!.value).toBe(
      '1. A: 25 GRID (62.5%)\n2. B: 0 GRID (0.0%)\n3. C: 40 GRID (100.0%) ← leading\nQuorum: 40 GRID of 100 GRID (not met); 2 wallets voted.',
    )
    expect(new Map(h.governance.voteRecords(id).map((v) => [v.address, v.power]))).toEqual(
      new Map([
        [ivy.address, 25n * 10n ** 18n],
        [jon.address, 15n * 10n ** 18n],
      ]),
    )
  })
})
