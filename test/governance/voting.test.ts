import { describe, expect, test } from 'vitest'
import { isActionButton } from '../../src/command/reply.ts'
import { createGovernanceHarness, HOUR, START, TOKEN } from './governanceHarness.ts'

async function fixture() {
  const h = createGovernanceHarness({ adminIds: ['telegram:admin'] })
  const proposal = await h.propose({ title: 'Raise fee', param: 'protocol_fee_bps=400', duration: '72', body: 'Fund audits.' })
  return { h, proposal }
}

describe('/propose', () => {
  test('an admin creates p1, p2… with the current block as snapshot and the governed quorum', async () => {
    const h = createGovernanceHarness({ adminIds: ['telegram:admin'] })
    h.chain.mine(5n)
    const admin = h.holder('admin')
    const reply = await admin.run('/propose title:"Raise fee" choices:"For,Against,Abstain" type:single-choice duration:72 param:protocol_fee_bps=400 body:"Audits need money"')
    expect(reply!.title).toBe('Created p1: Raise fee')
    expect(reply!.text).toBe(
      'Voting is open until 2026-11-29 12:00 UTC. Choices: 1 For, 2 Against, 3 Abstain (single-choice). Power is your GRID at block 105; quorum 1,000 GRID. If For wins with quorum, protocol_fee_bps becomes 400. /proposal p1 to vote.',
    )
    const second = await admin.run('/propose title:Second type:approval choices:A,B,C delay:2 duration:1')
    expect(second!.title).toBe('Created p2: Second')
    const p2 = h.governance.proposal('p2')
    expect(p2).toMatchObject({ status: 'pending', type: 'approval', choices: ['A', 'B', 'C'], startAt: START + 2 * HOUR, endAt: START + 3 * HOUR, snapshotBlock: 105, quorum: 1000n * TOKEN, param: null })
    expect(h.outbox().map((n) => [n.dedupeKey, n.accountId, n.topic])).toEqual([
      ['proposal.new:p1', null, 'governance'],
      ['proposal.new:p2', null, 'governance'],
    ])
  })

  test('error: every bad field is named, one sentence each, and nothing is created', async () => {
    const h = createGovernanceHarness({ adminIds: ['telegram:admin'] })
    const admin = h.holder('admin')
    const reply = await admin.run('/propose title:"X" choices:"Yes,Yes" type:plurality duration:0 delay:soon snapshot:abc param:protocol_fee_bps=9999')
    expect(reply!.text).toMatchInlineSnapshot(`
      "Type "plurality" is not a voting type; expected one of single-choice, approval, weighted, quadratic, ranked-choice.
      Choices has the same choice twice; give each once.
      Duration "0" is not a number of hours; expected a whole number from 1 to 720.
      Delay "soon" is not a number of hours; expected a whole number from 0 to 720.
      Snapshot "abc" is not a block number; expected a whole number such as 1234567.
      Param: The value "9999" for protocol_fee_bps is not valid: expected a whole number from 0 to 5000."
    `)
    expect((await admin.run('/propose title:X choices:Yes,No param:protocol_fee_bps=400'))!.text).toBe(
      'Choices must start with For when there is a param change: the change is made only if For wins.',
    )
    expect((await admin.run('/propose title:X param:fee'))!.text).toBe('Param "fee" is not a change; expected name=value such as param:protocol_fee_bps=400.')
    expect((await admin.run('/propose title:X param:nope=1'))!.text).toBe(
      'Param: There is no parameter nope; expected one of protocol_fee_bps, epoch_emission, offpeak_multiplier_bps, renewable_multiplier_bps, renewable_attester, min_uptime_bps, offpeak_start_hour, offpeak_end_hour, min_payout, quorum, proposal_threshold, security_hold_hours, provider_bond_per_gpu, unbond_days, verification_interval_hours, slash_fraud_bps, slash_failure_bps, slash_cooldown_hours, served_multiplier_bps, gpu_throughput, challenge_margin_bps, workload_images, gpu_weights.',
    )
    expect((await admin.run('/propose'))!.text).toBe('Title is missing: expected a title such as "Raise the fee to 4%".\nUsage: /propose <title> [choices] [type] [duration] [delay] [snapshot] [param] [body…]')
    expect((await admin.run(`/propose title:X snapshot:${1000}`))!.text).toBe(
      'Snapshot block 1000 is in the future; the chain is at block 100. Leave snapshot out to use the current block.',
    )
    expect(h.governance.list()).toEqual([])
  })

  test('holders need the proposal threshold in voting power; admins do not', async () => {
    const h = createGovernanceHarness()
    const small = h.holder('small', { s: 99 })
    expect((await small.run('/propose title:Mine'))!.text).toBe('Proposing needs 100 GRID of voting power, and your linked wallets hold less.')
    expect((await h.holder('nobody').run('/propose title:Mine'))!.text).toBe('Proposing needs 100 GRID of voting power, and your linked wallets hold less. Link a wallet with /link first.')
    const big = h.holder('big', { b1: 60, b2: 40 })
    expect((await big.run('/propose title:Mine'))!.title).toBe('Created p1: Mine')
  })
})

describe('voting', () => {
  test('/proposal shows the live tally and one reusable button per choice; pressing votes, pressing twice changes nothing', async () => {
    const { h, proposal } = await fixture()
    const alice = h.holder('alice', { a1: 1500, a2: 500 })
    const shown = await alice.run(`/proposal ${proposal.id}`)
    expect(shown!.buttons!.map((b) => b.label)).toEqual(['For', 'Against', 'Abstain'])
    const forButton = shown!.buttons![0]!
    if (!isActionButton(forButton)) throw new Error('expected an action button')
    const first = await alice.press(forButton.action)
    expect(first).toEqual({ status: 'ok', reply: { text: 'Voted For on p1 with 2,000 GRID from 2 wallets. You can change it until 2026-11-29 12:00 UTC.', private: true }, shared: true, detail: false })
    h.clock.now += 1000
    const again = await alice.press(forButton.action)
    expect(again).toEqual({ status: 'ok', reply: { text: 'Your vote on p1 stays For, with 2,000 GRID from 2 wallets. You can change it until 2026-11-29 12:00 UTC.', private: true }, shared: true, detail: false })
    const rows = h.governance.voteRecords('p1')
    expect(rows.map((r) => [r.address, r.accountId, r.identity, r.choice, r.power, r.source])).toEqual(
      [
        [alice.addresses[0], alice.accountId, 'telegram:alice', 1, 1500n * TOKEN, 'chat'],
        [alice.addresses[1], alice.accountId, 'telegram:alice', 1, 500n * TOKEN, 'chat'],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    )
    const after = await alice.run('/proposal p1')
    expect(after!.fields).toEqual([
      { name: 'Voting', value: 'single-choice vote, open until 2026-11-29 12:00 UTC' },
      { name: 'Power', value: 'GRID held at block 100' },
      { name: 'Change if For wins', value: 'protocol_fee_bps = 400' },
      { name: 'Tally', value: '1. For: 2,000 GRID (100.0%) ← leading\n2. Against: 0 GRID (0.0%)\n3. Abstain: 0 GRID (0.0%)\nQuorum: 2,000 GRID of 1,000 GRID (met); 2 wallets voted.' },
    ])
    // In the group the caller's own vote stays private; in a private chat it is shown.
    const privately = await h.pipeline.runText(alice.user, { id: 'alice', kind: 'private' }, '/proposal p1')
    expect(privately!.fields!.at(-1)).toEqual({ name: 'Your vote', value: 'For' })
  })

  test('a new vote replaces the earlier one, wallet by wallet', async () => {
    const { h } = await fixture()
    const bob = h.holder('bob', { b: 300 })
    expect((await bob.run('/vote p1 For'))!.text).toBe('Voted For on p1 with 300 GRID. You can change it until 2026-11-29 12:00 UTC.')
    h.clock.now += HOUR
    expect((await bob.run('/vote p1 2'))!.text).toBe('Your vote on p1 is now Against (was For), with 300 GRID. You can change it until 2026-11-29 12:00 UTC.')
    expect(h.governance.voteRecords('p1')).toMatchObject([{ address: bob.addresses[0], choice: 2, votedAt: START + HOUR, power: 300n * TOKEN }])
    expect(h.governance.tally(h.governance.proposal('p1')).scores).toEqual([0, 300, 0])
  })

  test('voting again after unlinking a wallet drops that wallet\'s earlier vote', async () => {
    const { h } = await fixture()
    const bob = h.holder('bob', { b1: 300, b2: 200 })
    await bob.run('/vote p1 For')
    expect(h.governance.tally(h.governance.proposal('p1')).scores).toEqual([500, 0, 0])
    h.sqlite.prepare('delete from wallets where address = ?').run(bob.addresses[1])
    h.clock.now += HOUR
    await bob.run('/vote p1 Against')
    expect(h.governance.voteRecords('p1').map((r) => [r.address, r.choice])).toEqual([[bob.addresses[0], 2]])
    expect(h.governance.tally(h.governance.proposal('p1')).scores).toEqual([0, 300, 0])
  })

  test('error: no vote before the start or after the end', async () => {
    const h = createGovernanceHarness()
    const later = await h.propose({ title: 'Later', delay: '2', duration: '1' })
    const carol = h.holder('carol', { c: 10 })
    expect((await carol.run(`/vote ${later.id} For`))!.text).toBe('Voting on p1 opens 2026-11-26 14:00 UTC; vote then.')
    h.clock.now += 2 * HOUR
    expect((await carol.run(`/vote ${later.id} For`))!.text).toMatch(/^Voted For on p1/)
    h.clock.now += HOUR
    expect((await carol.run(`/vote ${later.id} Against`))!.text).toBe('Voting on p1 closed 2026-11-26 15:00 UTC; /proposal p1 shows the result.')
    expect(h.governance.voteRecords('p1').map((r) => r.choice)).toEqual([1])
  })

  test('error: zero voting power at the snapshot block is refused with the reason, even with tokens bought later', async () => {
    const { h } = await fixture()
    const dave = h.holder('dave', { d: 0 })
    expect((await dave.run('/vote p1 For'))!.text).toBe(`Your linked wallet ${dave.addresses[0]} held no GRID at block 100, the snapshot of p1, so you have no voting power on it.`)
    h.chain.mine()
    h.chain.setBalance(dave.addresses[0]!, 5000n * TOKEN)
    expect((await dave.run('/vote p1 For'))!.text).toMatch(/held no GRID at block 100/)
    expect((await h.holder('erin').run('/vote p1 For'))!.text).toBe('Voting power comes from linked wallets and you have none; link one with /link, then vote again.')
    expect(h.governance.voteRecords('p1')).toEqual([])
  })

  test('error: choices that do not fit the voting type', async () => {
    const h = createGovernanceHarness()
    const frank = h.holder('frank', { f: 10 })
    await h.propose({ title: 'S' })
    await h.propose({ title: 'R', type: 'ranked-choice', choices: 'A,B,C' })
    await h.propose({ title: 'W', type: 'weighted', choices: 'A,B' })
    await h.propose({ title: 'Ap', type: 'approval', choices: 'A,B' })
    const errors = await Promise.all(['/vote p1 4', '/vote p1 For Against', '/vote p2 1,2', '/vote p2 1,1,2', '/vote p3 1:x', '/vote p3 1:0', '/vote p4 C', '/vote p9 1'].map(async (t) => (await frank.run(t))!.text))
    expect(errors).toMatchInlineSnapshot(`
      [
        "There is no choice 4; this is a single-choice vote, so give one choice number or name, e.g. 1 or For (choices: 1 For, 2 Against, 3 Abstain).",
        "Only one choice counts here; this is a single-choice vote, so give one choice number or name, e.g. 1 or For (choices: 1 For, 2 Against, 3 Abstain).",
        "Rank all 3 choices; this is a ranked-choice vote, so give every choice in your order of preference, e.g. 2,1,3 (choices: 1 A, 2 B, 3 C).",
        "A choice is given twice; this is a ranked-choice vote, so give every choice in your order of preference, e.g. 2,1,3 (choices: 1 A, 2 B, 3 C).",
        ""1:x" is not a choice:weight pair; this is a weighted vote, so give choice:weight pairs, e.g. 1:60,2:40 (choices: 1 A, 2 B).",
        "At least one weight must be more than 0; this is a weighted vote, so give choice:weight pairs, e.g. 1:60,2:40 (choices: 1 A, 2 B).",
        ""C" is not one of the choices; this is an approval vote, so give the choices you approve, e.g. 1,3 (choices: 1 A, 2 B).",
        "There is no proposal p9; /proposals lists them (ids look like p12 or s-1a2b3c).",
      ]
    `)
    expect((await frank.run('/vote p2 C,A,B'))!.text).toMatch(/^Voted \(1st\) C, \(2nd\) A, \(3rd\) B on p2/)
    expect((await frank.run('/vote p3 A:60,2:40'))!.text).toMatch(/^Voted 60% for A, 40% for B on p3/)
  })

  test('approval shares are each score over the power cast, as Snapshot shows them (two approvals by one voter: 100% each)', async () => {
    const h = createGovernanceHarness()
    await h.propose({ title: 'Pick', type: 'approval', choices: 'A,B,C' })
    const lea = h.holder('lea', { l: 30 })
    const max = h.holder('max', { m: 10 })
    await lea.run('/vote p1 1,3')
    await max.run('/vote p1 3')
    expect((await lea.run('/proposal p1'))!.fields!.find((f) => f.name === 'Tally')!.value).toBe(
      '1. A: 30 GRID (75.0%)\n2. B: 0 GRID (0.0%)\n3. C: 40 GRID (100.0%) ← leading\nQuorum: 40 GRID of 1,000 GRID (not met); 2 wallets voted.',
    )
  })

  test('/proposals lists active and closed; autocomplete offers open ids; /proposal … votes lists the votes', async () => {
    const { h } = await fixture()
    await h.propose({ title: 'Short one', duration: '1' })
    const gina = h.holder('gina', { g: 42 })
    await gina.run('/vote p2 Against')
    expect(await h.pipeline.autocomplete(gina.user, { id: 'c', kind: 'group' }, 'vote', 'id', 'p')).toEqual(['p2', 'p1'])
    h.clock.now += HOUR
    h.governance.closeDue()
    expect((await gina.run('/proposals active'))!.table!.rows).toEqual([['p1', 'Raise fee', 'active', '2026-11-29 12:00 UTC', '—']])
    expect((await gina.run('/proposals closed'))!.table!.rows).toEqual([['p2', 'Short one', 'closed', '2026-11-26 13:00 UTC', 'Against (no quorum)']])
    const votes = await gina.run('/proposal p2 votes')
    expect(votes!.table).toEqual({
      columns: ['wallet', 'choice', 'power', 'when', 'how'],
      rows: [[`${gina.addresses[0]!.slice(0, 6)}…${gina.addresses[0]!.slice(-4)}`, 'Against', '42 GRID', '2026-11-26 12:00 UTC', 'chat']],
    })
    expect((await gina.run('/proposal p2'))!.buttons).toBeUndefined()
  })
})
