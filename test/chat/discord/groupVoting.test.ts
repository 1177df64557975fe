import { pino } from 'pino'
import { parseUnits } from 'viem'
import { afterEach, expect, test } from 'vitest'
import { createDiscordAdapter } from '../../../src/chat/discord/createDiscordAdapter.ts'
import { wallets } from '../../../src/db/schema/wallets.ts'
import { ProposalMessages, REFRESH_INTERVAL_MS, type MessageEditor } from '../../../src/governance/proposalMessages.ts'
import { ChatIdentities } from '../../../src/identity/ChatIdentities.ts'
import { addressOf, createGovernanceHarness, TOKEN, type GovernanceHarness } from '../../governance/governanceHarness.ts'
import { shownText, type FakeUser, type StoredMessage } from './discordPayloads.ts'
import { LocalDiscordServer, type InteractionRecord } from './LocalDiscordServer.ts'

const TOKEN_STRING = 'MTIzNDU2Nzg5.test-bot-token.local'
const EPHEMERAL = 64
const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
})

/** The real discord.js adapter against the local Discord server, driving governance on real SQLite. */
async function start(type = 'single-choice', choices?: string) {
  const server = await LocalDiscordServer.start({ token: TOKEN_STRING, heartbeatIntervalMs: 250 })
  const h: GovernanceHarness = createGovernanceHarness({ adminIds: ['telegram:admin'] })
  await h.propose({ title: 'Raise fee', duration: '72', body: 'Fund audits.', type, ...(choices ? { choices } : {}) })
  const editors = new Map<string, MessageEditor>()
  const messages = new ProposalMessages({ db: h.db, clock: () => h.clock.now, logger: pino({ level: 'silent' }), units: h.units, governance: h.governance, editors, publicUrl: 'http://localhost:8787' })
  const adapter = createDiscordAdapter({
    pipeline: h.pipeline,
    db: h.db,
    logger: pino({ level: 'silent' }),
    clock: () => h.clock.now,
    token: TOKEN_STRING,
    applicationId: server.applicationId,
    guildId: server.guild.id,
    apiBase: server.apiBase,
    onLivePost: (p) => messages.record(p),
  })
  editors.set('discord', adapter)
  await adapter.start()
  stops.push(async () => {
    await adapter.stop()
    await server.close()
    h.close()
  })
  const identities = new ChatIdentities(h.db)
  /** A Discord member with one linked wallet holding `tokens` GRID. */
  const member = (name: string, tokens?: number) => {
    const user = server.user(name)
    const { accountId, identityId } = identities.ensure({ platform: 'discord', id: user.id, name }, h.clock.now)
    if (tokens !== undefined) {
      h.db.insert(wallets).values({ address: addressOf(name), accountId, linkedByIdentityId: identityId, linkedAt: h.clock.now }).run()
      h.chain.setBalance(addressOf(name), parseUnits(String(tokens), 18))
    }
    return { user, accountId }
  }
  return { server, h, messages, member }
}

function buttonOf(message: StoredMessage, label: string): string {
  const button = (message.components as { components: { label: string; custom_id?: string }[] }[]).flatMap((r) => r.components).find((b) => b.label === label)
  if (!button?.custom_id) throw new Error(`no ${label} button`)
  return button.custom_id
}

async function postProposal(server: LocalDiscordServer, user: FakeUser): Promise<StoredMessage> {
  const slash = server.slash({ user, name: 'proposal', options: [{ name: 'id', type: 3, value: 'p1' }] })
  return server.waitFor(() => {
    const message = slash.originalId ? server.messages.get(slash.originalId) : undefined
    return message && message.components.length > 0 && message
  })
}

/** The private answer to a press: an ephemeral reply, the pressed message untouched. */
async function privateAnswer(server: LocalDiscordServer, press: InteractionRecord): Promise<string> {
  await press.acked
  expect(press.ack).toMatchObject({ type: 4, data: { flags: EPHEMERAL } })
  return shownText(server.messages.get(press.originalId!)!)
}

test('three members press the same buttons in one channel: each vote is the presser’s, answered ephemerally, the tally refreshed, the buttons removed at close with the result', async () => {
  const { server, h, messages, member } = await start()
  const ann = member('ann', 1000)
  const ben = member('ben', 700)
  const cat = member('cat', 300)
  const posted = await postProposal(server, ann.user)
  expect(posted.flags & EPHEMERAL).toBe(0)
  expect(shownText(posted)).toContain('Anyone may press: each press votes with your own linked wallets, answered only to you.')
  const before = structuredClone(server.messages.get(posted.id)!)

  const answers = [
    await privateAnswer(server, server.press({ user: ann.user, message: posted, customId: buttonOf(posted, 'For') })),
    await privateAnswer(server, server.press({ user: ben.user, message: posted, customId: buttonOf(posted, 'Against') })),
    await privateAnswer(server, server.press({ user: cat.user, message: posted, customId: buttonOf(posted, 'For') })),
  ]
  expect(answers).toEqual([
    'Voted For on p1 with 1,000 GRID. You can change it until 2026-11-29 12:00 UTC.',
    'Voted Against on p1 with 700 GRID. You can change it until 2026-11-29 12:00 UTC.',
    'Voted For on p1 with 300 GRID. You can change it until 2026-11-29 12:00 UTC.',
  ])
  expect(server.messages.get(posted.id)).toEqual(before)
  const votes = h.governance.voteRecords('p1').map((r) => [r.accountId, r.identity, r.choice, r.power])
  expect(votes.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
    [ann.accountId, `discord:${ann.user.id}`, 1, 1000n * TOKEN],
    [ben.accountId, `discord:${ben.user.id}`, 2, 700n * TOKEN],
    [cat.accountId, `discord:${cat.user.id}`, 1, 300n * TOKEN],
  ])

  expect(await messages.refresh()).toBe(1)
  const refreshed = server.messages.get(posted.id)!
  expect(shownText(refreshed)).toContain('**Tally**\n1\\. For: 1,300 GRID (65.0%) ← leading\n2\\. Against: 700 GRID (35.0%)\n3\\. Abstain: 0 GRID (0.0%)\nQuorum: 2,000 GRID of 1,000 GRID (met); 3 wallets voted.')
  expect(refreshed.components).toEqual(before.components)
  // The result chart stays on the card through every refresh (a loopback URL shows as its link).
  expect(shownText(before)).toContain('http://localhost:8787/charts/proposal.png?id=p1')
  expect(shownText(refreshed)).toContain('http://localhost:8787/charts/proposal.png?id=p1')
  h.clock.now += REFRESH_INTERVAL_MS
  expect(await messages.refresh()).toBe(0) // nothing changed: no edit

  h.clock.now = h.governance.proposal('p1').endAt + 1
  h.governance.closeDue()
  expect(await messages.refresh()).toBe(1)
  const closed = server.messages.get(posted.id)!
  expect(closed.components).toEqual([])
  expect(shownText(closed)).toContain('**Result**\n1\\. For: 1,300 GRID (65.0%) ← leading')
  expect(shownText(closed)).not.toContain('Anyone may press')
  // A stale client's press after close is refused privately.
  expect(await privateAnswer(server, server.press({ user: ben.user, message: before, customId: buttonOf(before, 'For') }))).toMatch(/^Voting on p1 closed /)
})

test('a member with no linked wallet is told ephemerally to /link; nothing is recorded', async () => {
  const { server, h, member } = await start()
  const ann = member('ann', 1000)
  const dan = member('dan')
  const posted = await postProposal(server, ann.user)
  const press = server.press({ user: dan.user, message: posted, customId: buttonOf(posted, 'For') })
  expect(await privateAnswer(server, press)).toBe('Voting power comes from linked wallets and you have none; link one with /link, then vote again.')
  expect(h.governance.voteRecords('p1')).toEqual([])
})

test('weighted: the Vote button answers the presser ephemerally with the choices and the /vote form', async () => {
  const { server, member } = await start('weighted', 'Audits,Grants')
  const ann = member('ann', 1000)
  const ben = member('ben', 700)
  const posted = await postProposal(server, ann.user)
  const press = server.press({ user: ben.user, message: posted, customId: buttonOf(posted, 'Vote (weighted)') })
  expect(await privateAnswer(server, press)).toBe(
    'p1: Raise fee (weighted). Choices: 1 Audits, 2 Grants.\nVote with choice:weight pairs, e.g. 1:60,2:40: /vote p1 1:60,2:40\nYour vote counts your own linked wallets; a new vote replaces it until 2026-11-29 12:00 UTC.',
  )
})
