import { expect, test } from 'vitest'
import { parseTelegramCommand } from '../../../src/chat/telegram/parseTelegramCommand.ts'

test.each([
  ['/help', { name: 'help', args: '', mentioned: false }],
  ['/rent H100 4 count:2', { name: 'rent', args: 'H100 4 count:2', mentioned: false }],
  ['/Rent@gridsharebot  H100\n4 ', { name: 'rent', args: 'H100\n4', mentioned: true }],
  ['/help@GridshareBot', { name: 'help', args: '', mentioned: true }],
  // Control and bidi characters are dropped, so such a command is answered rather than ignored.
  ['/help\u0000', { name: 'help', args: '', mentioned: false }],
  ['/wallet\u202e', { name: 'wallet', args: '', mentioned: false }],
  ['/gpus \u2066RTX 4090\u2069', { name: 'gpus', args: 'RTX 4090', mentioned: false }],
])('reads %j', (text, expected) => {
  expect(parseTelegramCommand(text, 'GridshareBot')).toEqual(expected)
})

test.each(['hello', '/help@OtherBot', '/help@OtherBot rent', '/ help', 'say /help', '/hélp'])('%j is not ours', (text) => {
  expect(parseTelegramCommand(text, 'GridshareBot')).toBeUndefined()
})
