import { pino } from 'pino'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createMetrics } from '../../src/app/metrics.ts'
import { snapshotAliases } from '../../src/db/schema/governance.ts'
import { aliasEnvelope, voteEnvelope } from '../../src/governance/snapshot/snapshotEnvelope.ts'
import { createHttpApp } from '../../src/http/createHttpApp.ts'
import { governanceRoutes } from '../../src/http/governanceRoutes.ts'
import { createGovernanceHarness, type GovernanceHarness } from './governanceHarness.ts'
import { LocalSnapshot } from './LocalSnapshot.ts'

const DAY = 24 * 3600_000
let local: LocalSnapshot

beforeAll(async () => {
  local = await new LocalSnapshot().start()
})
afterAll(async () => {
  await local?.stop()
})

function snapshotHarness(relayPerMinute?: number) {
  local.reset()
  const h = createGovernanceHarness({ start: Date.now(), snapshot: { hubUrl: local.url, space: local.space, relayPerMinute } })
  local.now = () => Math.floor(h.clock.now / 1000)
  return h
}

/** A holder whose linked wallet is a real key, authorized through the service as the signing page does. */
async function authorizedHolder(h: GovernanceHarness, name: string) {
  const wallet = privateKeyToAccount(generatePrivateKey())
  const holder = h.holder(name, { [wallet.address]: 0 })
  const { url } = h.governance.authorize(holder.accountId)
  const token = url.split('/').pop()!
  const view = await h.governance.describeAuthorization(token, wallet.address)
  const { EIP712Domain: _, ...types } = view.typedData!.types
  const signature = await wallet.signTypedData({ domain: view.typedData!.domain, types, primaryType: 'Alias', message: view.typedData!.message } as never)
  const outcome = await h.governance.completeAuthorization({ token, address: wallet.address, signature, timestamp: view.typedData!.message.timestamp as number })
  return { ...holder, wallet, outcome }
}

describe('mirroring a Snapshot space', () => {
  test('new proposals by a cursor on created, listed beside native ones as s-<id>, with the hub votes', async () => {
    const h = snapshotHarness()
    const first = local.addProposal({ title: 'Fund the indexer' })
    local.addProposal({ title: 'Old one', state: 'closed', start: local.now() - 9 * 86400, end: local.now() - 2 * 86400 })
    await h.propose({ title: 'Native one' })
    const stranger = privateKeyToAccount(generatePrivateKey()).address
    local.votes.push({ id: '0x' + 'ab'.repeat(32), voter: stranger, vp: 12.5, choice: 1, created: local.now() - 30, proposal: first.id, space: local.space, reason: '', app: 'snapshot', signer: stranger })
    const synced = await h.governance.syncSnapshot()
    const firstId = `s-${first.id.slice(2, 8)}`
    expect(synced.added).toHaveLength(2)
    expect(synced.added[0]).toBe(firstId)
    const holder = h.holder('viewer')
    const listed = await holder.run('/proposals')
    expect(listed!.table!.rows.map((r) => [r[0], r[1], r[2]])).toEqual([
      ['p1', 'Native one', 'active'],
      [synced.added[1], 'Old one', 'closed'],
      [firstId, 'Fund the indexer', 'active'],
    ])
    expect(h.outbox().map((n) => n.dedupeKey)).toEqual(['proposal.new:p1', `proposal.new:${firstId}`])
    expect(h.governance.voteRecords(firstId)).toMatchObject([{ address: stranger, accountId: null, choice: 1, choiceText: 'For', power: 125n * 10n ** 17n, source: 'hub', receipt: '0x' + 'ab'.repeat(32) }])

    const later = local.addProposal({ title: 'Third', type: 'approval', choices: ['A', 'B', 'C'], created: local.now() })
    expect((await h.governance.syncSnapshot()).added).toEqual([`s-${later.id.slice(2, 8)}`])
    expect((await h.governance.syncSnapshot()).added).toEqual([])
    const shown = await holder.run(`/proposal s-${later.id.slice(2, 8)}`)
    expect(shown!.fields!.find((f) => f.name === 'How to vote')!.value).toBe(`/vote s-${later.id.slice(2, 8)} <choice>, with the choices you approve, e.g. 1,3; choices: 1 A, 2 B, 3 C`)
  })
})

describe('relaying votes through an alias', () => {
  test('/authorize, then /vote is signed by the alias, accepted by the sequencer and exported with its signature', async () => {
    const h = snapshotHarness()
    const hubProposal = local.addProposal({ title: 'Fund the indexer' })
    await h.governance.syncSnapshot()
    const id = `s-${hubProposal.id.slice(2, 8)}`
    const alice = await authorizedHolder(h, 'alice')
    expect(alice.outcome).toMatchObject({ address: alice.wallet.address, answer: { status: 'accepted' } })
    expect(local.aliases).toEqual([{ address: alice.wallet.address, alias: alice.outcome.alias, created: local.now() }])
    const stored = h.db.select().from(snapshotAliases).get()!
    expect(stored.sealedKey).not.toMatch(/0x[0-9a-f]{64}/)
    expect(privateKeyToAccount(h.secrets.open(stored.sealedKey!) as `0x${string}`).address).toBe(alice.outcome.alias)

    const reply = await alice.run(`/vote ${id} Against`)
    const vote = local.votes[0]!
    expect(reply!.text).toBe(`Your vote Against on ${id} was signed for Snapshot.\nSnapshot accepted your vote on ${id} from ${alice.wallet.address} (receipt ${vote.id}).`)
    expect(vote).toMatchObject({ voter: alice.wallet.address, signer: alice.outcome.alias, choice: 2, app: 'gridshare', proposal: hubProposal.id })

    await h.governance.syncSnapshot()
    const app = createHttpApp({ logger: pino({ level: 'silent' }), metrics: createMetrics({ defaults: false }), healthChecks: [], routes: [governanceRoutes({ governance: h.governance })] })
    const exported = (await (await app.request(`/api/v1/proposals/${id}/votes`)).json()) as any
    expect(exported.proposal).toMatchObject({ id, source: 'snapshot', externalId: hubProposal.id, scores: [0, 25, 0], cast: (25n * 10n ** 18n).toString() })
    expect(exported.votes).toHaveLength(1)
    expect(exported.votes[0]).toMatchObject({ address: alice.wallet.address, choice: 2, choiceText: 'Against', power: (25n * 10n ** 18n).toString(), source: 'relay', receipt: vote.id })
    expect(exported.votes[0].signature).toMatch(/^0x[0-9a-f]{130}$/)
    expect(exported.votes[0].envelope).toMatchObject({ address: alice.outcome.alias, sig: exported.votes[0].signature, data: { domain: { name: 'snapshot', version: '0.1.4' }, message: { from: alice.wallet.address, choice: 2 } } })
    expect((await app.request('/api/v1/proposals/p77/votes')).status).toBe(404)
  })

  test('weighted and approval votes use Snapshot’s string and array vote types', async () => {
    const h = snapshotHarness()
    const weighted = local.addProposal({ title: 'Split', type: 'weighted', choices: ['A', 'B'] })
    const approval = local.addProposal({ title: 'Pick', type: 'approval', choices: ['A', 'B', 'C'] })
    await h.governance.syncSnapshot()
    const bob = await authorizedHolder(h, 'bob')
    expect((await bob.run(`/vote s-${weighted.id.slice(2, 8)} 1:60,2:40`))!.text).toMatch(/Snapshot accepted/)
    expect((await bob.run(`/vote s-${approval.id.slice(2, 8)} 1,3`))!.text).toMatch(/Snapshot accepted/)
    expect(local.votes.map((v) => v.choice)).toEqual([{ 1: 60, 2: 40 }, [1, 3]])
    expect(local.received.slice(-2).map((r) => (r.body as any).data.types.Vote.find((f: any) => f.name === 'choice').type)).toEqual(['string', 'uint32[]'])
  })

  test('the sequencer’s refusal is reported to the user', async () => {
    const h = snapshotHarness()
    const hubProposal = local.addProposal({ title: 'Fund the indexer' })
    await h.governance.syncSnapshot()
    const carol = await authorizedHolder(h, 'carol')
    local.noPower.add(carol.wallet.address)
    expect((await carol.run(`/vote s-${hubProposal.id.slice(2, 8)} For`))!.text).toBe(
      `Your vote For on s-${hubProposal.id.slice(2, 8)} was signed for Snapshot.\nSnapshot refused your vote on s-${hubProposal.id.slice(2, 8)} from ${carol.wallet.address}: no voting power.`,
    )
  })

  test('error: no authorization, revoked, and after 30 days; a warning comes before', async () => {
    const h = snapshotHarness()
    const hubProposal = local.addProposal({ title: 'Long one', end: local.now() + 60 * 86400 })
    await h.governance.syncSnapshot()
    const id = `s-${hubProposal.id.slice(2, 8)}`
    const dave = h.holder('dave', { [privateKeyToAccount(generatePrivateKey()).address]: 0 })
    expect((await dave.run(`/vote ${id} For`))!.text).toBe('Voting on Snapshot proposals from chat needs one signature first: run /authorize, then vote again.')

    const erin = await authorizedHolder(h, 'erin')
    h.clock.now += 27 * DAY
    expect((await h.governance.syncSnapshot()).warned).toBe(1)
    await h.governance.syncSnapshot()
    const warnings = h.outbox().filter((n) => n.dedupeKey.startsWith('snapshot.alias.expiring'))
    expect(warnings.map((n) => n.accountId)).toEqual([erin.accountId])
    expect(JSON.parse(warnings[0]!.reply).text).toMatch(/^The bot's permission to cast Snapshot votes for 0x[0-9a-fA-F]{40} ends in 3 days \(.+ UTC\)\. Run \/authorize to renew it for 30 days\.$/)

    h.clock.now += 3 * DAY
    expect((await erin.run(`/vote ${id} For`))!.text).toBe('Your Snapshot authorization has run out (they last 30 days); run /authorize to renew it, then vote again.')
    // The sequencer refuses the expired alias too.
    const alias = privateKeyToAccount(h.secrets.open(h.db.select().from(snapshotAliases).get()!.sealedKey!) as `0x${string}`)
    const stale = await voteEnvelope(alias.address, { from: erin.wallet.address, space: local.space, proposal: hubProposal.id, type: 'single-choice', choice: 1, timestamp: local.now() }, (t) => alias.signTypedData(t as never))
    const answer = await (await fetch(local.sequencerUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(stale) })).json()
    expect(answer).toEqual({ error: 'client_error', error_description: 'wrong alias' })

    const frank = await authorizedHolder(h, 'frank')
    expect((await frank.run('/revoke'))!.text).toBe("Destroyed the bot's Snapshot key for your wallet: it can no longer vote for you. Run /authorize if you want it back.")
    expect((await frank.run('/revoke'))!.text).toBe('The bot holds no Snapshot key for you, so there is nothing to revoke.')
    expect(h.db.select().from(snapshotAliases).all().find((a) => a.address === frank.wallet.address)!.sealedKey).toBeNull()
    expect((await frank.run(`/vote ${id} For`))!.text).toBe('Voting on Snapshot proposals from chat needs one signature first: run /authorize, then vote again.')
  })

  test('the sequencer checks envelopes: wrong signer, stale timestamp, unknown types, bad alias signature', async () => {
    snapshotHarness()
    const wallet = privateKeyToAccount(generatePrivateKey())
    const alias = privateKeyToAccount(generatePrivateKey())
    const post = async (body: unknown) => (await (await fetch(local.sequencerUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as any
    const good = await aliasEnvelope({ from: wallet.address, alias: alias.address, timestamp: local.now() }, await wallet.signTypedData({ domain: { name: 'snapshot', version: '0.1.4' }, types: { Alias: [{ name: 'from', type: 'address' }, { name: 'alias', type: 'address' }, { name: 'timestamp', type: 'uint64' }] }, primaryType: 'Alias', message: { from: wallet.address, alias: alias.address, timestamp: BigInt(local.now()) } }))
    expect((await post({ ...good, sig: (await alias.signMessage({ message: 'x' })) })).error_description).toBe('signature validation failed')
    expect((await post({ ...good, data: { ...good.data, message: { ...good.data.message, timestamp: local.now() - 7 * 86400 } } })).error_description).toBe('wrong timestamp')
    expect((await post({ ...good, data: { ...good.data, types: { Alias: [...good.data.types.Alias!].reverse() } } })).error_description).toBe('wrong types')
    expect((await post({ ...good, extra: 1 })).error_description).toBe('wrong envelope format')
    expect((await post(good)).id).toMatch(/^0x[0-9a-f]{64}$/)
    expect((await post(good)).error_description).toBe('duplicate message')
  })

  test('the relay keeps to its rate; what cannot go now is sent later and answered by DM', async () => {
    const h = snapshotHarness(3)
    const hubProposal = local.addProposal({ title: 'Busy' })
    await h.governance.syncSnapshot()
    const id = `s-${hubProposal.id.slice(2, 8)}`
    const gus = await authorizedHolder(h, 'gus')
    const hal = await authorizedHolder(h, 'hal')
    h.clock.now += 61_000
    expect((await gus.run(`/vote ${id} For`))!.text).toMatch(/Snapshot accepted/)
    expect((await hal.run(`/vote ${id} For`))!.text).toMatch(/Snapshot accepted/)
    // A changed vote in the same second is refused unless its id sorts higher ("already voted same time with lower index").
    h.clock.now += 1000
    expect((await gus.run(`/vote ${id} Against`))!.text).toMatch(/Snapshot accepted/)
    h.clock.now += 1000
    expect((await hal.run(`/vote ${id} Abstain`))!.text).toBe(
      `Your vote Abstain on ${id} was signed for Snapshot.\nYour vote on ${id} from ${hal.wallet.address} is queued for Snapshot; you get a message with its answer.`,
    )
    const sentInWindow = local.received.filter((r) => r.at >= local.now() - 60)
    expect(sentInWindow).toHaveLength(3)
    expect((await h.governance.syncSnapshot()).relayed).toBe(0)
    h.clock.now += 60_000
    expect((await h.governance.syncSnapshot()).relayed).toBe(1)
    expect(local.votes.find((v) => v.voter === hal.wallet.address)!.choice).toBe(3)
    const dm = h.outbox().find((n) => n.dedupeKey.startsWith('snapshot.relay:'))!
    expect(dm.accountId).toBe(hal.accountId)
    expect(JSON.parse(dm.reply).text).toMatch(new RegExp(`^Snapshot accepted your vote on ${id} from ${hal.wallet.address} \\(receipt 0x[0-9a-f]{64}\\)\\.$`))
  })
})
