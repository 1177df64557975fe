import { describe, expect, test } from 'vitest'
import { renderPlainText } from '../../src/command/renderPlainText.ts'
import { renderTelegramReply } from '../../src/chat/telegram/renderTelegramReply.ts'
import { createGovernanceHarness } from './governanceHarness.ts'

describe('/proposal as a terminal and Telegram show it', () => {
  test('the Voting line says the type and window once; the tally starts under its header', async () => {
    const h = createGovernanceHarness()
    await h.propose({ title: 'Raise fee', param: 'protocol_fee_bps=400', duration: '72' })
    const whale = h.holder('whale', { w: 2000 })
    await whale.vote('p1', 'For')
    const reply = (await whale.run('/proposal p1'))!
    const text = renderPlainText(reply)
    expect(text).toContain(
      [
        'Voting: single-choice vote, open until 2026-11-29 12:00 UTC',
        'Power: GRID held at block 100',
        'Change if For wins: protocol_fee_bps = 400',
        'Tally:',
        '  1. For: 2,000 GRID (100.0%) ← leading',
        '  2. Against: 0 GRID (0.0%)',
        '  3. Abstain: 0 GRID (0.0%)',
        '  Quorum: 2,000 GRID of 1,000 GRID (met); 1 wallet voted.',
      ].join('\n'),
    )
    expect(renderTelegramReply(reply).parts.join('\n')).toContain('<b>Tally</b>:\n1. For: 2,000 GRID (100.0%) ← leading\n')
    // The result chart rides along: an image under PUBLIC_URL, its URL above the buttons on a terminal.
    expect(reply.image).toEqual({ url: 'http://localhost:8787/charts/proposal.png?id=p1', alt: 'Votes on p1 by choice' })
    expect(text).toMatch(/\nChart: http:\/\/localhost:8787\/charts\/proposal\.png\?id=p1\n\[\d+\] For/)
  })
})
