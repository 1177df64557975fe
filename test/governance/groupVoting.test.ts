import { pino } from 'pino'
import { describe, expect, test } from 'vitest'
import { actions } from '../../src/db/schema/actions.ts'
import { proposalMessages } from '../../src/db/schema/proposalMessages.ts'
import { isActionButton, type Reply } from '../../src/command/reply.ts'
import { ProposalMessages, REFRESH_INTERVAL_MS } from '../../src/governance/proposalMessages.ts'
import { DeliveryError } from '../../src/notify/DeliveryError.ts'
import { createGovernanceHarness, TOKEN } from './governanceHarness.ts'

async function fixture(type = 'single-choice', choices?: string) {
  const h = createGovernanceHarness({ adminIds: ['telegram:admin'] })
  const proposal = await h.propose({ title: 'Raise fee', duration: '72', body: 'Fund audits.', type, ...(choices ? { choices } : {}) })
  const edits: { chatId: string; messageId: string; reply: Reply }[] = []
  const editor = { editMessage: async (chatId: string, messageId: string, reply: Reply) => void edits.push({ chatId, messageId, reply }) }
  const messages = new ProposalMessages({ db: h.db, clock: () => h.clock.now, logger: pino({ level: 'silent' }), units: h.units, governance: h.governance, editors: new Map([['telegram', editor]]) })
  return { h, proposal, messages, edits }
}

function actionOf(reply: Reply | undefined, label: string): string {
  const button = reply?.buttons?.find((b) => b.label === label)
  if (!button || !isActionButton(button)) throw new Error(`no ${label} button`)
  return button.action
}

describe('vote buttons in a group', () => {
  test('a button posted by one member votes for whoever presses it, each with their own power, and is never spent', async () => {
    const { h } = await fixture()
    const ann = h.holder('ann', { ann: 1000 })
    const ben = h.holder('ben', { ben: 700 })
    const cat = h.holder('cat', { cat: 300 })
    const shown = await ann.run('/proposal p1')
    expect(shown!.buttons!.map((b) => b.label)).toEqual(['For', 'Against', 'Abstain'])
    expect(shown!.live).toEqual({ proposalId: 'p1' })
    expect(shown!.text).toBe('Fund audits.\nAnyone may press: each press votes with your own linked wallets, answered only to you.')

    expect(await ben.press(actionOf(shown, 'Against'))).toEqual({
      status: 'ok',
      shared: true,
      detail: false,
      reply: { text: 'Voted Against on p1 with 700 GRID. You can change it until 2026-11-29 12:00 UTC.', private: true },
    })
    expect(await cat.press(actionOf(shown, 'For'))).toMatchObject({ status: 'ok', reply: { text: 'Voted For on p1 with 300 GRID. You can change it until 2026-11-29 12:00 UTC.' } })
    expect(await ann.press(actionOf(shown, 'For'))).toMatchObject({ status: 'ok', reply: { text: 'Voted For on p1 with 1,000 GRID. You can change it until 2026-11-29 12:00 UTC.' } })
    // Pressing again after others did still works: the buttons are nobody's to spend.
    expect(await ben.press(actionOf(shown, 'For'))).toMatchObject({ status: 'ok', reply: { text: 'Your vote on p1 is now For (was Against), with 700 GRID. You can change it until 2026-11-29 12:00 UTC.' } })

    const votes = h.governance.voteRecords('p1').map((r) => [r.accountId, r.identity, r.choice, r.power])
    expect(votes.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [ann.accountId, 'telegram:ann', 1, 1000n * TOKEN],
      [ben.accountId, 'telegram:ben', 1, 700n * TOKEN],
      [cat.accountId, 'telegram:cat', 1, 300n * TOKEN],
    ])
    // Three buttons on the announcement, three on the /proposal message: all anyone's, none spent.
    expect(h.db.select({ used: actions.usedAt, owner: actions.ownerPlatform }).from(actions).all()).toEqual(Array(6).fill({ used: null, owner: 'anyone' }))
  })

  test('attack: a press by someone with no linked wallet votes for no one else, and tells them to /link in detail', async () => {
    const { h } = await fixture()
    const ann = h.holder('ann', { ann: 1000 })
    const shown = await ann.run('/proposal p1')
    const mallory = h.holder('mallory')
    expect(await mallory.press(actionOf(shown, 'Against'))).toEqual({
      status: 'rejected',
      shared: true,
      detail: true,
      message: 'Voting power comes from linked wallets and you have none; link one with /link, then vote again.',
    })
    expect(h.governance.voteRecords('p1')).toEqual([])
  })

  test('per-user buttons stay the owner’s: a private /proposal button pressed by another is refused', async () => {
    const { h } = await fixture()
    const ann = h.holder('ann', { ann: 1000 })
    const ben = h.holder('ben', { ben: 700 })
    const privately = await h.pipeline.runText(ann.user, { id: 'ann', kind: 'private' }, '/proposal p1')
    expect(privately!.live).toBeUndefined()
    expect(await ben.press(actionOf(privately, 'For'))).toEqual({ status: 'rejected', message: 'This button belongs to someone else.' })
    expect(h.governance.voteRecords('p1')).toEqual([])
  })

  test('approval: the group shows one Vote button, and a press answers the presser privately with the choices', async () => {
    const { h } = await fixture('approval', 'Audits,Grants,Marketing')
    const ann = h.holder('ann', { ann: 1000 })
    const shown = await ann.run('/proposal p1')
    expect(shown!.buttons!.map((b) => b.label)).toEqual(['Vote (approval)'])
    const ben = h.holder('ben')
    expect(await ben.press(actionOf(shown, 'Vote (approval)'))).toEqual({
      status: 'ok',
      shared: true,
      detail: true,
      reply: {
        private: true,
        text: 'p1: Raise fee (approval). Choices: 1 Audits, 2 Grants, 3 Marketing.\nVote with the choices you approve, e.g. 1,3: /vote p1 1,3\nYour vote counts your own linked wallets; a new vote replaces it until 2026-11-29 12:00 UTC.',
      },
    })
  })

  test('announcements of an open proposal carry anyone’s vote buttons', async () => {
    const { h } = await fixture()
    const announcement = JSON.parse(h.outbox()[0]!.reply) as Reply
    expect(announcement.buttons!.map((b) => b.label)).toEqual(['For', 'Against', 'Abstain'])
    expect(announcement.live).toEqual({ proposalId: 'p1' })
    const ben = h.holder('ben', { ben: 700 })
    expect(await ben.press(actionOf(announcement, 'Abstain'))).toMatchObject({ status: 'ok', reply: { text: 'Voted Abstain on p1 with 700 GRID. You can change it until 2026-11-29 12:00 UTC.' } })
  })
})

describe('live proposal messages', () => {
  test('the tally is refreshed at most once per interval and only when it changed; at close the buttons go and the result shows', async () => {
    const { h, messages, edits } = await fixture()
    const ann = h.holder('ann', { ann: 1000 })
    const ben = h.holder('ben', { ben: 700 })
    const shown = (await ann.run('/proposal p1'))!
    messages.record({ platform: 'telegram', chatId: '-100', messageId: '7', reply: shown })
    expect(await messages.refresh()).toBe(0) // nothing changed since it was posted

    await ann.press(actionOf(shown, 'For'))
    expect(await messages.refresh()).toBe(1)
    const tally = (r: Reply) => r.fields!.find((f) => f.name === 'Tally' || f.name === 'Result')!.value
    expect(tally(edits[0]!.reply)).toBe('1. For: 1,000 GRID (100.0%) ← leading\n2. Against: 0 GRID (0.0%)\n3. Abstain: 0 GRID (0.0%)\nQuorum: 1,000 GRID of 1,000 GRID (met); 1 wallet voted.')
    expect(edits[0]!.reply.buttons).toEqual(shown.buttons)

    await ben.press(actionOf(shown, 'Against'))
    h.clock.now += REFRESH_INTERVAL_MS - 1
    expect(await messages.refresh()).toBe(0) // batched: the next edit waits for the interval
    h.clock.now += 1
    expect(await messages.refresh()).toBe(1)
    expect(tally(edits[1]!.reply)).toContain('Quorum: 1,700 GRID of 1,000 GRID (met); 2 wallets voted.')

    h.clock.now = h.governance.proposal('p1').endAt + 1
    expect(await messages.refresh()).toBe(0) // ended but not yet counted: wait for the result
    h.governance.closeDue()
    expect(await messages.refresh()).toBe(1)
    const final = edits[2]!.reply
    expect(final.buttons).toBeUndefined()
    expect(final.fields!.map((f) => f.name)).toEqual(['Voting', 'Power', 'Result'])
    expect(tally(final)).toBe('1. For: 1,000 GRID (58.8%) ← leading\n2. Against: 700 GRID (41.2%)\n3. Abstain: 0 GRID (0.0%)\nQuorum: 1,700 GRID of 1,000 GRID (met); 2 wallets voted.')
    h.clock.now += REFRESH_INTERVAL_MS
    expect(await messages.refresh()).toBe(0)
    expect(h.db.select({ closedAt: proposalMessages.closedAt }).from(proposalMessages).all()).toEqual([{ closedAt: expect.any(Number) }])
  })

  test('a message deleted in the chat is dropped, not retried forever', async () => {
    const { h } = await fixture()
    const ann = h.holder('ann', { ann: 1000 })
    const shown = (await ann.run('/proposal p1'))!
    let attempts = 0
    const deleted = {
      editMessage: async () => {
        attempts++
        throw new DeliveryError('rejected', 'Telegram editMessageText failed: Bad Request: message to edit not found')
      },
    }
    const messages = new ProposalMessages({ db: h.db, clock: () => h.clock.now, logger: pino({ level: 'silent' }), units: h.units, governance: h.governance, editors: new Map([['telegram', deleted]]) })
    messages.record({ platform: 'telegram', chatId: '-100', messageId: '8', reply: shown })
    await ann.press(actionOf(shown, 'For'))
    expect(await messages.refresh()).toBe(0)
    h.clock.now += REFRESH_INTERVAL_MS
    await ann.press(actionOf(shown, 'Against'))
    expect(await messages.refresh()).toBe(0)
    expect(attempts).toBe(1)
    expect(h.db.select({ closedAt: proposalMessages.closedAt }).from(proposalMessages).all()).toEqual([{ closedAt: expect.any(Number) }])
  })

  test('a failure that may pass (network, rate limit) is tried again at the next interval', async () => {
    const { h } = await fixture()
    const ann = h.holder('ann', { ann: 1000 })
    const shown = (await ann.run('/proposal p1'))!
    const shownNow: Reply[] = []
    let fail = true
    const flaky = {
      editMessage: async (_chat: string, _message: string, reply: Reply) => {
        if (fail) throw new DeliveryError('transient', 'telegram request failed: ECONNRESET')
        shownNow.push(reply)
      },
    }
    const messages = new ProposalMessages({ db: h.db, clock: () => h.clock.now, logger: pino({ level: 'silent' }), units: h.units, governance: h.governance, editors: new Map([['telegram', flaky]]) })
    messages.record({ platform: 'telegram', chatId: '-100', messageId: '9', reply: shown })
    await ann.press(actionOf(shown, 'For'))
    expect(await messages.refresh()).toBe(0)
    fail = false
    expect(await messages.refresh()).toBe(0) // waits for the interval
    h.clock.now += REFRESH_INTERVAL_MS
    expect(await messages.refresh()).toBe(1)
    expect(shownNow[0]!.fields!.find((f) => f.name === 'Tally')!.value).toContain('1 wallet voted.')
  })
})
