import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { freezeAccount } from '../../src/identity/AccountSecurity.ts'
import { createGovernanceHarness, type GovernanceHarness } from '../governance/governanceHarness.ts'
import { LocalSnapshot } from '../governance/LocalSnapshot.ts'

let local: LocalSnapshot

beforeAll(async () => {
  local = await new LocalSnapshot().start()
})
afterAll(async () => {
  await local?.stop()
})

/** Opens the alias request and signs it as the page does; `complete` sends it. */
async function aliasSigned(h: GovernanceHarness, name: string) {
  const wallet = privateKeyToAccount(generatePrivateKey())
  const holder = h.holder(name, { [wallet.address]: 0 })
  const { url } = h.governance.authorize(holder.accountId)
  const token = url.split('/').pop()!
  const view = await h.governance.describeAuthorization(token, wallet.address)
  const { EIP712Domain: _, ...types } = view.typedData!.types
  const signature = await wallet.signTypedData({ domain: view.typedData!.domain, types, primaryType: 'Alias', message: view.typedData!.message } as never)
  const complete = () => h.governance.completeAuthorization({ token, address: wallet.address, signature, timestamp: view.typedData!.message.timestamp as number })
  return { ...holder, wallet, complete }
}

describe('a frozen account: the bot signs nothing for it', () => {
  test('no Snapshot vote is relayed and a pending authorization cannot complete', async () => {
    local.votes.length = 0
    const h = createGovernanceHarness({ start: Date.now(), snapshot: { hubUrl: local.url, space: local.space } })
    local.now = () => Math.floor(h.clock.now / 1000)
    const hubProposal = local.addProposal({ title: 'Fund the indexer' })
    await h.governance.syncSnapshot()
    const id = `s-${hubProposal.id.slice(2, 8)}`

    const voter = await aliasSigned(h, 'voter')
    await voter.complete()
    freezeAccount(h.db, { accountId: voter.accountId, now: h.clock.now })
    expect((await voter.run(`/vote ${id} Against`))!.text).toBe('Your account is frozen, so voting through the bot is stopped; /unfreeze with a wallet your account held for the security hold before the freeze lifts it.')
    expect(local.votes).toEqual([])

    const late = await aliasSigned(h, 'late')
    freezeAccount(h.db, { accountId: late.accountId, now: h.clock.now })
    await expect(late.complete()).rejects.toThrow('Your account is frozen, so /authorize is stopped; /unfreeze with a wallet your account held for the security hold before the freeze lifts it.')
  })

  test('a vote queued before the freeze waits while the account is frozen', async () => {
    local.votes.length = 0
    const h = createGovernanceHarness({ start: Date.now(), snapshot: { hubUrl: local.url, space: local.space, relayPerMinute: 1 } })
    local.now = () => Math.floor(h.clock.now / 1000)
    const hubProposal = local.addProposal({ title: 'Busy' })
    await h.governance.syncSnapshot()
    const id = `s-${hubProposal.id.slice(2, 8)}`
    const voter = await aliasSigned(h, 'queued')
    await voter.complete()
    h.clock.now += 61_000
    expect((await voter.run(`/vote ${id} For`))!.text).toMatch(/Snapshot accepted/)
    expect((await voter.run(`/vote ${id} Against`))!.text).toMatch(/is queued for Snapshot/)
    freezeAccount(h.db, { accountId: voter.accountId, now: h.clock.now })
    h.clock.now += 61_000
    expect((await h.governance.syncSnapshot()).relayed).toBe(0)
    expect(local.votes.map((v) => v.choice)).toEqual([1])
    h.sqlite.prepare('update accounts set frozen_at = null where id = ?').run(voter.accountId)
    expect((await h.governance.syncSnapshot()).relayed).toBe(1)
  })
})
