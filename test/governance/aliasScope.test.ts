import type { Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { snapshotAliases } from '../../src/db/schema/governance.ts'
import { AliasScopeError } from '../../src/governance/snapshot/spaceVoteSigner.ts'
import { voteEnvelope, type SnapshotTypedData } from '../../src/governance/snapshot/snapshotEnvelope.ts'
import { snapshot } from '../../src/governance/snapshotJs.ts'
import { authorizeWallet, snapshotHarness, walletHolder } from './snapshotFixture.ts'
import { LocalSnapshot } from './LocalSnapshot.ts'

let local: LocalSnapshot

beforeAll(async () => {
  local = await new LocalSnapshot().start()
})
afterAll(async () => {
  await local?.stop()
})

/** snapshot.js's own client, handing back what it would sign and send. */
class Capture extends snapshot.Client712 {
  override async send(envelope: unknown): Promise<unknown> {
    return envelope
  }
}
const signerFor = (sign: (typed: SnapshotTypedData) => Promise<Hex>) => ({
  _signTypedData: (domain: SnapshotTypedData['domain'], types: SnapshotTypedData['types'], message: Record<string, unknown>) =>
    sign({ domain, types, primaryType: Object.keys(types)[0]!, message }),
})
const post = async (url: string, body: unknown) => (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as any

describe('what an alias can do, and what the bot does with it', () => {
  test('/authorize says an alias counts in every space and can sign proposals, and that the bot signs votes in its space only', async () => {
    const h = snapshotHarness(local)
    const jo = walletHolder(h, 'jo')
    const reply = await jo.run('/authorize')
    expect(reply!.text).toMatch(
      /^Open the page and sign once with a linked wallet \(valid until .+ UTC\)\. That makes 0x[0-9a-fA-F]{40}, a key the bot keeps sealed for you, your Snapshot alias for 30 days\. On Snapshot an alias counts in every space and can also sign proposals and other messages for your wallet; this bot signs only the votes you cast here, in gridshare\.eth\. \/revoke destroys the key\.$/,
    )
  })

  test('attack: Snapshot accepts a proposal signed by the alias key, but the bot’s signer refuses anything but a vote in SNAPSHOT_SPACE', async () => {
    const h = snapshotHarness(local)
    const proposal = local.addProposal({ title: 'Fund the indexer' })
    const kim = walletHolder(h, 'kim')
    const { alias } = await authorizeWallet(h, kim.accountId, kim.wallet)
    const now = local.now()
    const proposalMessage = { from: kim.address, space: local.space, type: 'single-choice', title: 'Drain the treasury', body: '', discussion: '', choices: ['Yes', 'No'], labels: [], start: now, end: now + 86400, snapshot: 123, plugins: '{}', app: '', timestamp: now }

    // Why it matters: with the raw key, the real sequencer takes a proposal in the wallet's name.
    const rawKey = privateKeyToAccount(h.secrets.open(h.db.select().from(snapshotAliases).get()!.sealedKey!) as Hex)
    const forged = await new Capture().proposal(signerFor((t) => rawKey.signTypedData({ ...t, types: t.types } as never)) as never, rawKey.address, { ...proposalMessage } as never)
    expect((await post(local.sequencerUrl, forged)).id).toMatch(/^0x[0-9a-f]{64}$/)
    expect(local.signedProposals).toEqual([{ author: kim.address, signer: alias, title: 'Drain the treasury', space: local.space }])

    // The only handle code gets on the key signs votes in this space and nothing else.
    const [{ signer }] = h.governance.aliases!.active(kim.accountId, [kim.address])
    expect(signer.address).toBe(alias)
    const sign = signerFor((t) => signer.signVote(t)) as never
    await expect(new Capture().proposal(sign, alias, { ...proposalMessage } as never)).rejects.toThrow(
      new AliasScopeError('a Snapshot proposal').message,
    )
    await expect(new Capture().proposal(sign, alias, { ...proposalMessage } as never)).rejects.toBeInstanceOf(AliasScopeError)
    await expect(new Capture().vote(sign, alias, { from: kim.address, space: 'other.eth', proposal: proposal.id, type: 'single-choice', choice: 1, timestamp: now } as never)).rejects.toThrow(
      'refused to sign a vote in space "other.eth" with a Snapshot alias key: it signs votes in SNAPSHOT_SPACE only',
    )
    await expect(new Capture().alias(sign, alias, { from: kim.address, alias: '0x' + '4'.repeat(40), timestamp: now } as never)).rejects.toThrow('refused to sign a Snapshot alias')
    await expect(new Capture().follow(sign, alias, { from: kim.address, space: local.space, timestamp: now } as never)).rejects.toThrow('refused to sign a Snapshot follow')
    await expect(
      signer.signVote({ domain: { name: 'snapshot', version: '0.1.4', chainId: 1 }, types: { Vote: (forged as any).data.types.Proposal }, primaryType: 'Vote', message: {} }),
    ).rejects.toBeInstanceOf(AliasScopeError)

    // A vote in the space is what it signs, and Snapshot takes it.
    const vote = await voteEnvelope(alias, { from: kim.address, space: local.space, proposal: proposal.id, type: 'single-choice', choice: 1, timestamp: now }, (t) => signer.signVote(t))
    expect((await post(local.sequencerUrl, vote)).id).toMatch(/^0x[0-9a-f]{64}$/)
    expect(local.votes).toMatchObject([{ voter: kim.address, signer: alias, choice: 1 }])
    expect(local.signedProposals).toHaveLength(1)
  })
})
