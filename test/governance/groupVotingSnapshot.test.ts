import { afterAll, beforeAll, expect, test } from 'vitest'
import { isActionButton, type Reply } from '../../src/command/reply.ts'
import { freezeAccount } from '../../src/identity/AccountSecurity.ts'
import { LocalSnapshot } from './LocalSnapshot.ts'
import { authorizeWallet, snapshotHarness, walletHolder } from './snapshotFixture.ts'

let local: LocalSnapshot
beforeAll(async () => {
  local = await new LocalSnapshot().start()
})
afterAll(async () => {
  await local?.stop()
})

function actionOf(reply: Reply | undefined, label: string): string {
  const button = reply?.buttons?.find((b) => b.label === label)
  if (!button || !isActionButton(button)) throw new Error(`no ${label} button`)
  return button.action
}

test('Snapshot: the mirrored announcement’s buttons relay each presser’s vote with their own wallet and alias; unauthorized and frozen pressers are refused', async () => {
  const h = snapshotHarness(local)
  const hubProposal = local.addProposal({ title: 'Fund the indexer' })
  await h.governance.syncSnapshot()
  const id = `s-${hubProposal.id.slice(2, 8)}`
  const announcement = JSON.parse(h.outbox().find((n) => n.dedupeKey === `proposal.new:${id}`)!.reply) as Reply
  expect(announcement.buttons!.map((b) => b.label)).toEqual(['For', 'Against', 'Abstain'])
  expect(announcement.live).toEqual({ proposalId: id })

  const ann = walletHolder(h, 'ann')
  const ben = walletHolder(h, 'ben')
  const annAlias = await authorizeWallet(h, ann.accountId, ann.wallet)
  const benAlias = await authorizeWallet(h, ben.accountId, ben.wallet)
  expect(await ann.press(actionOf(announcement, 'For'))).toMatchObject({ status: 'ok', shared: true, reply: { private: true, text: expect.stringMatching(/^Your vote For on s-\w+ was signed for Snapshot\.\nSnapshot accepted your vote/) } })
  expect(await ben.press(actionOf(announcement, 'Against'))).toMatchObject({ status: 'ok', shared: true })
  expect(local.votes.map((v) => [v.voter, v.signer, v.choice])).toEqual([
    [ann.wallet.address, annAlias.alias, 1],
    [ben.wallet.address, benAlias.alias, 2],
  ])

  const cat = walletHolder(h, 'cat')
  expect(await cat.press(actionOf(announcement, 'For'))).toEqual({
    status: 'rejected',
    shared: true,
    detail: true,
    message: 'Voting on Snapshot proposals from chat needs one signature first: run /authorize, then vote again.',
  })
  freezeAccount(h.db, { accountId: ben.accountId, now: h.clock.now })
  expect(await ben.press(actionOf(announcement, 'For'))).toEqual({
    status: 'rejected',
    shared: true,
    detail: true,
    message: 'Your account is frozen, so voting through the bot is stopped; /unfreeze with a wallet your account held for the security hold before the freeze lifts it.',
  })
  expect(local.votes).toHaveLength(2)
})
