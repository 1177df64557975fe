import { pino } from 'pino'
import { afterEach, expect, test } from 'vitest'
import { createTelegramAdapter, type TelegramAdapter } from '../../../src/chat/telegram/createTelegramAdapter.ts'
import { ProposalMessages, REFRESH_INTERVAL_MS } from '../../../src/governance/proposalMessages.ts'
import { createGovernanceHarness, TOKEN, type GovernanceHarness } from '../../governance/governanceHarness.ts'
import { LocalBotApi } from './LocalBotApi.ts'
import { FAST_LIMITS } from './startTelegramTest.ts'

const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
})

/** The real telegraf adapter against the local Bot API, driving governance on real SQLite. */
async function start(type = 'single-choice', choices?: string) {
  const api = await LocalBotApi.start()
  const h: GovernanceHarness = createGovernanceHarness({ adminIds: ['telegram:admin'] })
  await h.propose({ title: 'Raise fee', duration: '72', body: 'Fund audits.', type, ...(choices ? { choices } : {}) })
  const editors = new Map<string, TelegramAdapter>()
  const messages = new ProposalMessages({ db: h.db, clock: () => h.clock.now, logger: pino({ level: process.env.DEBUG_LIVE ? 'warn' : 'silent' }), units: h.units, governance: h.governance, editors })
  const adapter = createTelegramAdapter({ pipeline: h.pipeline, db: h.db, logger: pino({ level: 'silent' }), token: api.token, apiRoot: api.apiRoot, limits: FAST_LIMITS, onLivePost: (p) => messages.record(p) })
  editors.set('telegram', adapter)
  await adapter.start()
  stops.push(async () => {
    await adapter.stop()
    await api.close()
    h.close()
  })
  const group = api.group(-100777, 'Gridshare DAO')
  return { api, h, messages, group }
}

test('three members press the same buttons in one group: each vote is the presser’s, answered privately, the tally refreshed, the buttons removed at close with the result', async () => {
  const { api, h, messages, group } = await start()
  const ann = api.user(1001, 'Ann')
  const ben = api.user(1002, 'Ben')
  const cat = api.user(1003, 'Cat')
  const holders = { ann: h.holder('1001', { ann: 1000 }), ben: h.holder('1002', { ben: 700 }), cat: h.holder('1003', { cat: 300 }) }

  api.sendText(ann, '/proposal p1', group)
  const posted = await api.nextMessage(group.id)
  expect(posted.reply_markup!.inline_keyboard.flat().map((b) => b.text)).toEqual(['For', 'Against', 'Abstain'])
  expect(posted.text).toContain('Anyone may press: each press votes with your own linked wallets, answered only to you.')

  const toasts = [await api.answerOf(api.press(ann, posted, 'For')), await api.answerOf(api.press(ben, posted, 'Against')), await api.answerOf(api.press(cat, posted, 'For'))]
  expect(toasts).toEqual([
    { text: 'Voted For on p1 with 1,000 GRID. You can change it until 2026-11-29 12:00 UTC.', show_alert: undefined },
    { text: 'Voted Against on p1 with 700 GRID. You can change it until 2026-11-29 12:00 UTC.', show_alert: undefined },
    { text: 'Voted For on p1 with 300 GRID. You can change it until 2026-11-29 12:00 UTC.', show_alert: undefined },
  ])
  // Nothing about anyone's vote went into the group, and the buttons are still there for the next member.
  expect(api.unread(group.id)).toEqual([])
  expect(api.callsOf('editMessageReplyMarkup')).toEqual([])
  expect(api.messageNow(posted)!.reply_markup).toEqual(posted.reply_markup)
  const votes = h.governance.voteRecords('p1').map((r) => [r.accountId, r.choice, r.power])
  expect(votes.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
    [holders.ann.accountId, 1, 1000n * TOKEN],
    [holders.ben.accountId, 2, 700n * TOKEN],
    [holders.cat.accountId, 1, 300n * TOKEN],
  ])

  expect(await messages.refresh()).toBe(1)
  const refreshed = api.messageNow(posted)!
  expect(refreshed.text).toContain('1. For: 1,300 GRID (65.0%) ← leading\n2. Against: 700 GRID (35.0%)\n3. Abstain: 0 GRID (0.0%)\nQuorum: 2,000 GRID of 1,000 GRID (met); 3 wallets voted.')
  expect(refreshed.reply_markup).toEqual(posted.reply_markup)
  // Batched: more presses within the interval wait for the next edit.
  h.clock.now += 1000
  expect(await api.answerOf(api.press(ben, refreshed, 'For'))).toEqual({ text: 'Your vote on p1 is now For (was Against), with 700 GRID. You can change it until 2026-11-29 12:00 UTC.', show_alert: undefined })
  expect(await messages.refresh()).toBe(0)
  h.clock.now += REFRESH_INTERVAL_MS - 1000
  expect(await messages.refresh()).toBe(1)
  expect(api.messageNow(posted)!.text).toContain('1. For: 2,000 GRID (100.0%) ← leading')

  h.clock.now = h.governance.proposal('p1').endAt + 1
  h.governance.closeDue()
  expect(await messages.refresh()).toBe(1)
  const closed = api.messageNow(posted)!
  expect(closed.reply_markup).toBeUndefined()
  expect(closed.text).toContain('Voting: single-choice vote, closed 2026-11-29 12:00 UTC\n')
  // The tally starts under its header, not on its line.
  expect(closed.text).toContain('Result:\n1. For: 2,000 GRID (100.0%) ← leading')
  expect(closed.text).not.toContain('Anyone may press')
  expect(api.callsOf('editMessageText', group.id)).toHaveLength(3)
})

test('a member with no linked wallet is told privately to /link, and the group sees nothing', async () => {
  const { api, h, group } = await start()
  const ann = api.user(1001, 'Ann')
  const dan = api.user(1004, 'Dan')
  h.holder('1001', { ann: 1000 })
  api.sendText(ann, '/proposal p1', group)
  const posted = await api.nextMessage(group.id)
  expect(await api.answerOf(api.press(dan, posted, 'For'))).toEqual({ text: "I've sent you a private message.", show_alert: undefined })
  expect((await api.nextMessage(dan.id)).text).toBe('Voting power comes from linked wallets and you have none; link one with /link, then vote again.')
  expect(api.unread(group.id)).toEqual([])
  expect(h.governance.voteRecords('p1')).toEqual([])
})

test('a member who never opened a private chat gets a notice that opens one with the answer', async () => {
  const { api, h, group } = await start()
  const ann = api.user(1001, 'Ann')
  const eve = api.user(1005, 'Eve', { started: false })
  h.holder('1001', { ann: 1000 })
  api.sendText(ann, '/proposal p1', group)
  const posted = await api.nextMessage(group.id)
  const query = api.press(eve, posted, 'For')
  const answer = await api.waitFor((c) => c.method === 'answerCallbackQuery' && c.payload.callback_query_id === query)
  expect(answer.payload.url).toMatch(/^https:\/\/t\.me\/\w+\?start=[\w-]{16}$/)
  api.sendText(eve, `/start ${String(answer.payload.url).split('=')[1]}`)
  expect((await api.nextMessage(eve.id)).text).toBe('Voting power comes from linked wallets and you have none; link one with /link, then vote again.')
  expect(api.unread(group.id)).toEqual([])
})

test('ranked choice: the group’s Vote button sends the presser the choices in a private message', async () => {
  const { api, h, group } = await start('ranked-choice', 'Audits,Grants,Marketing')
  const ann = api.user(1001, 'Ann')
  const ben = api.user(1002, 'Ben')
  h.holder('1001', { ann: 1000 })
  api.sendText(ann, '/proposal p1', group)
  const posted = await api.nextMessage(group.id)
  expect(posted.reply_markup!.inline_keyboard.flat().map((b) => b.text)).toEqual(['Vote (ranked-choice)'])
  expect(await api.answerOf(api.press(ben, posted, 'Vote (ranked-choice)'))).toEqual({ text: "I've sent you a private message.", show_alert: undefined })
  expect((await api.nextMessage(ben.id)).text).toBe(
    'p1: Raise fee (ranked-choice). Choices: 1 Audits, 2 Grants, 3 Marketing.\nVote with every choice in your order of preference, e.g. 2,1,3: /vote p1 3,2,1\nYour vote counts your own linked wallets; a new vote replaces it until 2026-11-29 12:00 UTC.',
  )
  expect(api.messageNow(posted)!.reply_markup).toEqual(posted.reply_markup)
})
