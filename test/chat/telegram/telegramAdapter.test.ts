import type { Chat } from 'telegraf/types'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { createTelegramAdapter } from '../../../src/chat/telegram/createTelegramAdapter.ts'
import { isDmUnreachable } from '../../../src/identity/dmReachability.ts'
import { DeliveryError } from '../../../src/notify/DeliveryError.ts'
import { createTestPipeline } from '../../support/createTestPipeline.ts'
import type { TestUser } from './LocalBotApi.ts'
import { LocalBotApi } from './LocalBotApi.ts'
import { parseTelegramHtml } from './parseTelegramHtml.ts'
import { captureLogs, startTelegramTest } from './startTelegramTest.ts'

type Bot = Awaited<ReturnType<typeof startTelegramTest>>
const running: Bot[] = []
async function start(options?: Parameters<typeof startTelegramTest>[0]): Promise<Bot> {
  const bot = await startTelegramTest(options)
  running.push(bot)
  return bot
}
afterEach(async () => {
  for (const bot of running.splice(0)) await bot.stop()
})

/** Updates of one user in one chat are handled in order, so once this answer
 *  is back, everything that user did in that chat before it is finished. */
async function settled(bot: Bot, user: TestUser, chat?: Chat): Promise<void> {
  bot.api.sendText(user, '/echo settled', chat)
  while ((await bot.api.nextMessage(chat?.id ?? user.id)).text !== 'settled');
}

describe('commands, as users type them', () => {
  test('/start in a private chat welcomes the user and lists the commands', async () => {
    const bot = await start()
    const alice = bot.api.user(101, 'Alice', { username: 'alice' })
    bot.api.sendText(alice, '/start')
    const welcome = await bot.api.nextMessage(alice.id)
    expect(welcome.text).toMatchInlineSnapshot(`
      "Welcome to Gridshare!
      Rent GPUs from the community, earn from your own, and vote on how the network is run, all with commands.

      /help — List the commands, or show how to use one
      /echo — Repeat a word back
      /order — Order something, with a confirmation
      /balance — Your balance
      /report — A long usage table
      /poll — Vote on a question, with buttons

      More: Type /help <command> for its options and examples."
    `)
    expect(welcome.entities?.[0]).toEqual({ type: 'bold', offset: 0, length: 'Welcome to Gridshare!'.length })
  })

  test('/help lists the commands a user may run, admin-only ones hidden', async () => {
    const bot = await start()
    const alice = bot.api.user(101, 'Alice')
    bot.api.sendText(alice, '/help')
    const help = await bot.api.nextMessage(alice.id)
    expect(help.text).toContain('/echo — Repeat a word back')
    expect(help.text).not.toContain('/epoch')
    expect(bot.api.callsOf('sendMessage', alice.id)[0]!.payload.text).toMatch(/^<b>Gridshare commands<\/b>\n\/help — /)
  })

  test('positional words and name:value pairs fill the options', async () => {
    const bot = await start()
    const alice = bot.api.user(101, 'Alice')
    bot.api.sendText(alice, '/echo hello times:3 title:"Big news"')
    const answer = await bot.api.nextMessage(alice.id)
    expect(answer.text).toBe('Big news\nhello hello hello')
    expect(answer.entities).toEqual([{ type: 'bold', offset: 0, length: 8 }])
  })

  test('error: bad input is answered with one sentence and the usage', async () => {
    const bot = await start()
    const alice = bot.api.user(101, 'Alice')
    bot.api.sendText(alice, '/echo hello times:9')
    expect((await bot.api.nextMessage(alice.id)).text).toMatchInlineSnapshot(`
      "Times should be a whole number from 1 to 5, not "9".
      Usage: /echo <word> [times] [title]"
    `)
    bot.api.sendText(alice, '/echo')
    expect((await bot.api.nextMessage(alice.id)).text).toMatchInlineSnapshot(`
      "Word is missing: expected what to repeat.
      Usage: /echo <word> [times] [title]"
    `)
  })

  test('HTML typed by a user comes back as text, never as markup', async () => {
    const bot = await start()
    const alice = bot.api.user(101, 'Alice')
    bot.api.sendText(alice, '/echo "<b>bold</b> & <script>alert(1)</script>" title:<i>x</i>')
    const answer = await bot.api.nextMessage(alice.id)
    expect(answer.text).toBe('<i>x</i>\n<b>bold</b> & <script>alert(1)</script>')
    expect(answer.entities).toEqual([{ type: 'bold', offset: 0, length: '<i>x</i>'.length }])
    expect(bot.api.callsOf('sendMessage', alice.id)[0]!.payload.text).toBe(
      '<b>&lt;i&gt;x&lt;/i&gt;</b>\n&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;',
    )
  })

  test('plain text gets a hint in a private chat and is ignored in a group', async () => {
    const bot = await start()
    const alice = bot.api.user(101, 'Alice')
    const group = bot.api.group(-100200, 'GPU renters')
    bot.api.sendText(alice, 'hello?')
    expect((await bot.api.nextMessage(alice.id)).text).toBe('Commands start with /. Type /help for the list.')
    bot.api.sendText(alice, 'hello everyone', group)
    await settled(bot, alice, group)
    expect(bot.api.callsOf('sendMessage', group.id)).toHaveLength(1)
  })

  test('in a group: /cmd and /cmd@OurBot are answered, /cmd@OtherBot and unknown bare commands are left to other bots', async () => {
    const bot = await start()
    const alice = bot.api.user(101, 'Alice')
    const group = bot.api.group(-100200, 'GPU renters')
    const asked = bot.api.sendText(alice, '/echo@GridshareTestBot hi', group)
    expect((await bot.api.nextMessage(group.id)).text).toBe('hi')
    expect(bot.api.callsOf('sendMessage', group.id)[0]!.payload.reply_parameters).toEqual({ message_id: asked.message_id, allow_sending_without_reply: true })
    bot.api.sendText(alice, '/echo@OtherBot nope', group)
    bot.api.sendText(alice, '/weather', group)
    bot.api.sendText(alice, '/ech@GridshareTestBot yes', group)
    expect((await bot.api.nextMessage(group.id)).text).toBe('Unknown command /ech — did you mean /echo? Type /help for the list.')
    bot.api.sendText(alice, '/echo bare', group)
    expect((await bot.api.nextMessage(group.id)).text).toBe('bare')
    expect(bot.api.unread(group.id)).toEqual([])
  })
})

describe('buttons', () => {
  test('Confirm answers the query, edits the message to the outcome and removes the keyboard', async () => {
    const bot = await start()
    const alice = bot.api.user(101, 'Alice')
    bot.api.sendText(alice, '/order pizza margherita')
    const quote = await bot.api.nextMessage(alice.id)
    expect(quote.text).toBe('Order pizza margherita?')
    expect(quote.reply_markup).toEqual({
      inline_keyboard: [
        [
          { text: 'Confirm', callback_data: expect.stringMatching(/^[\w-]{10}$/) },
          { text: 'Cancel', callback_data: expect.stringMatching(/^[\w-]{10}$/) },
          { text: 'Menu', url: 'https://example.org/menu' },
        ],
      ],
    })
    const query = bot.api.press(alice, quote, 'Confirm')
    expect(await bot.api.answerOf(query)).toEqual({ text: undefined, show_alert: undefined })
    const edit = await bot.api.waitFor((c) => c.method === 'editMessageText' && c.ok === true)
    expect(edit.seq).toBeGreaterThan(bot.api.callsOf('answerCallbackQuery')[0]!.seq)
    const now = bot.api.messageNow(quote)!
    expect(now.text).toBe('Order placed\nYou ordered pizza margherita.')
    expect(now.reply_markup).toBeUndefined()
    expect(() => bot.api.press(alice, quote, 'Cancel')).toThrow('shows no "Cancel" button')
    expect(bot.api.callsOf('sendMessage', alice.id)).toHaveLength(1)
  })

  test('a second press from a client that still shows the keyboard is refused with a toast', async () => {
    const bot = await start()
    const alice = bot.api.user(101, 'Alice')
    bot.api.sendText(alice, '/order tea')
    const quote = await bot.api.nextMessage(alice.id)
    await bot.api.answerOf(bot.api.pressAsShown(alice, quote, 'Cancel'))
    const late = bot.api.pressAsShown(alice, quote, 'Confirm')
    expect(await bot.api.answerOf(late)).toEqual({ text: 'This was already answered.', show_alert: undefined })
    await settled(bot, alice)
    expect(bot.api.messageNow(quote)!.text).toBe('Order cancelled.')
    expect(bot.api.callsOf('editMessageText')).toHaveLength(1)
  })

  test('an expired button: a toast says so and the message stays as it was', async () => {
    const bot = await start()
    const alice = bot.api.user(101, 'Alice')
    bot.api.sendText(alice, '/order tea')
    const quote = await bot.api.nextMessage(alice.id)
    bot.advance(16 * 60_000)
    const query = bot.api.press(alice, quote, 'Confirm')
    expect(await bot.api.answerOf(query)).toEqual({ text: 'This button expired. Run the command again.', show_alert: undefined })
    await settled(bot, alice)
    expect(bot.api.callsOf('editMessageText')).toHaveLength(0)
    expect(bot.api.messageNow(quote)).toEqual(quote)
  })

  test("someone else's press: a toast, nothing changes, and the owner can still press", async () => {
    const bot = await start()
    const alice = bot.api.user(101, 'Alice')
    const bob = bot.api.user(102, 'Bob')
    const group = bot.api.group(-100200, 'GPU renters')
    bot.api.sendText(alice, '/order cake', group)
    const quote = await bot.api.nextMessage(group.id)
    const foreign = bot.api.press(bob, quote, 'Confirm')
    expect(await bot.api.answerOf(foreign)).toEqual({ text: 'This button belongs to someone else.', show_alert: undefined })
    await settled(bot, bob, group)
    expect(bot.api.messageNow(quote)).toEqual(quote)
    await bot.api.answerOf(bot.api.press(alice, quote, 'Confirm'))
    await bot.api.waitFor((c) => c.method === 'editMessageText' && c.ok === true)
    expect(bot.api.messageNow(quote)!.text).toBe('Order placed\nYou ordered cake.')
  })
})

describe('private answers stay in private chats', () => {
  test('a private command used in a group is answered in the private chat, with a pointer in the group', async () => {
    const bot = await start()
    const alice = bot.api.user(101, 'Alice', { username: 'alice' })
    const group = bot.api.group(-100200, 'GPU renters')
    const asked = bot.api.sendText(alice, '/balance', group)
    expect((await bot.api.nextMessage(alice.id)).text).toBe('Your balance\nAvailable: 12.5 GRID (@alice)')
    expect((await bot.api.nextMessage(group.id)).text).toBe("I've sent you a private message.")
    expect(bot.api.callsOf('sendMessage', group.id)[0]!.payload.reply_parameters.message_id).toBe(asked.message_id)
    expect(bot.api.callsOf('sendMessage', group.id)[0]!.payload.text).not.toContain('12.5')
  })

  test('a button in a group whose outcome is private: keyboard removed in the group, outcome sent privately', async () => {
    const bot = await start()
    const alice = bot.api.user(101, 'Alice', { username: 'alice' })
    const group = bot.api.group(-100200, 'GPU renters')
    bot.api.sendText(alice, '/poll', group)
    const question = await bot.api.nextMessage(group.id)
    await bot.api.answerOf(bot.api.press(alice, question, 'Against'))
    expect((await bot.api.nextMessage(alice.id)).text).toBe('You voted Against. Receipt for @alice: r-1')
    expect((await bot.api.nextMessage(group.id)).text).toBe("I've sent you a private message.")
    expect(bot.api.messageNow(question)).toMatchObject({ text: 'Raise the price floor?' })
    expect(bot.api.messageNow(question)!.reply_markup).toBeUndefined()
    expect(bot.api.callsOf('editMessageReplyMarkup')).toHaveLength(1)
    expect(bot.api.callsOf('editMessageText')).toHaveLength(0)
  })

  test('a user who never started the bot gets a deep link; /start <payload> runs the command in private', async () => {
    const bot = await start()
    const dave = bot.api.user(104, 'Dave', { started: false })
    const erin = bot.api.user(105, 'Erin')
    const group = bot.api.group(-100200, 'GPU renters')
    bot.api.sendText(dave, '/balance', group)
    const notice = await bot.api.nextMessage(group.id)
    const [link, payload] = /https:\/\/t\.me\/GridshareTestBot\?start=([A-Za-z0-9_-]{1,64})/.exec(notice.text)!
    expect(notice.text).toBe(`I can only answer that in a private chat, and you haven't started one with me yet. Open ${link} and press Start: I'll answer there.`)
    expect(notice.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Open a private chat', url: link }]] })
    expect(bot.api.callsOf('sendMessage', dave.id)).toMatchObject([
      { ok: false, error: { error_code: 403, description: "Forbidden: bot can't initiate conversation with a user" } },
    ])
    expect(isDmUnreachable(bot.db, 'telegram', '104')).toBe(true)

    bot.api.sendText(erin, `/start ${payload}`)
    expect((await bot.api.nextMessage(erin.id)).text).toBe('That link has expired or was already used. Run the command again, here or in the group.')

    bot.api.sendText(dave, `/start ${payload}`)
    expect((await bot.api.nextMessage(dave.id)).text).toBe('Your balance\nAvailable: 12.5 GRID (Dave)')
    expect(isDmUnreachable(bot.db, 'telegram', '104')).toBe(false)
    // The command ran once, in the group; Start delivered its answer instead of running it again.
    expect(await bot.metrics.registry.getSingleMetricAsString('gridshare_commands_total')).toMatch(
      /^gridshare_commands_total\{command="balance",platform="telegram",outcome="ok"\} 1$/m,
    )

    bot.api.sendText(dave, `/start ${payload}`)
    expect((await bot.api.nextMessage(dave.id)).text).toBe('That link has expired or was already used. Run the command again, here or in the group.')
  })

  test('a user who blocked the bot: one attempt, marked unreachable, and later asked to restart instead of retried', async () => {
    const bot = await start()
    const carol = bot.api.user(103, 'Carol')
    const group = bot.api.group(-100200, 'GPU renters')
    bot.api.sendText(carol, '/echo here', group)
    await bot.api.nextMessage(group.id)
    bot.api.block(carol.id)
    const failure = await bot.adapter.sendPrivate('103', { text: 'Your job started.' }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(DeliveryError)
    expect(failure).toMatchObject({ kind: 'unreachable', message: 'Telegram sendMessage failed: Forbidden: bot was blocked by the user' })
    expect(bot.api.callsOf('sendMessage', carol.id)).toHaveLength(1)
    expect(isDmUnreachable(bot.db, 'telegram', '103')).toBe(true)

    bot.api.sendText(carol, '/balance', group)
    expect((await bot.api.nextMessage(group.id)).text).toMatch(/^I can only answer that in a private chat/)
    expect(bot.api.callsOf('sendMessage', carol.id)).toHaveLength(1)
  })

  test('blocking and restarting the bot (my_chat_member) flips reachability', async () => {
    const bot = await start()
    const alice = bot.api.user(101, 'Alice')
    bot.api.sendText(alice, '/echo hi')
    await bot.api.nextMessage(alice.id)
    const change = (status: 'kicked' | 'member') =>
      bot.api.pushUpdate({
        my_chat_member: {
          chat: { id: alice.id, type: 'private', first_name: 'Alice' },
          from: alice,
          date: 0,
          old_chat_member: { user: bot.api.me, status: status === 'kicked' ? 'member' : 'kicked' },
          new_chat_member: status === 'kicked' ? { user: bot.api.me, status, until_date: 0 } : { user: bot.api.me, status },
        },
      } as never)
    change('kicked')
    await vi.waitFor(() => expect(isDmUnreachable(bot.db, 'telegram', '101')).toBe(true))
    change('member')
    await vi.waitFor(() => expect(isDmUnreachable(bot.db, 'telegram', '101')).toBe(false))
  })
})

test('a long answer is split into well-formed messages of at most 4,096 characters', async () => {
  const bot = await start()
  const alice = bot.api.user(101, 'Alice')
  bot.api.sendText(alice, '/report rows:400')
  const parts = [await bot.api.nextMessage(alice.id)]
  while (!parts.at(-1)!.text.includes('node-399')) parts.push(await bot.api.nextMessage(alice.id))
  const sent = bot.api.callsOf('sendMessage', alice.id).map((c) => c.payload.text as string)
  expect(sent.length).toBeGreaterThanOrEqual(4)
  for (const [i, html] of sent.entries()) {
    expect(html.length).toBeLessThanOrEqual(4096)
    expect(() => parseTelegramHtml(html)).not.toThrow()
    if (i > 0) expect(html).toMatch(/^<pre>[\s\S]*<\/pre>$/)
  }
  expect(sent[0]).toMatch(/^<b>Usage report<\/b>\nHours per node this epoch:\n<pre>node +gpu +hours +note\n/)
  expect(sent[0]).toContain('node-0    H100-80GB  0      &lt;maintenance&gt; &amp; more')
  const rows = parts.flatMap((p) => p.text.split('\n')).filter((line) => line.startsWith('node-'))
  expect(rows).toHaveLength(400)
  expect(rows.map((line) => line.split(' ')[0])).toEqual(Array.from({ length: 400 }, (_, i) => `node-${i}`))
})

test('setMyCommands publishes the registry: private chats, groups, and admins', async () => {
  const bot = await start({ adminIds: ['telegram:101'], before: (api) => void api.user(101, 'Alice') })
  const entry = (name: string) => ({ command: name, description: bot.pipeline.find(name)!.description })
  expect(bot.api.commandsFor({ type: 'all_private_chats' })).toEqual(['help', 'echo', 'order', 'balance', 'report', 'poll'].map(entry))
  expect(bot.api.commandsFor({ type: 'all_group_chats' })).toEqual(['help', 'echo', 'order', 'report', 'poll'].map(entry))
  expect(bot.api.commandsFor({ type: 'chat', chat_id: 101 })).toEqual(['help', 'echo', 'order', 'balance', 'report', 'poll', 'epoch'].map(entry))
})

test('long polling: the webhook is removed, offsets confirm each batch, and stop confirms the last', async () => {
  const bot = await start()
  const alice = bot.api.user(101, 'Alice')
  for (const word of ['one', 'two', 'three']) {
    bot.api.sendText(alice, `/echo ${word}`)
    expect((await bot.api.nextMessage(alice.id)).text).toBe(word)
  }
  await bot.adapter.stop()
  const methods = bot.api.calls.map((c) => c.method)
  expect(methods.indexOf('deleteWebhook')).toBeLessThan(methods.indexOf('getUpdates'))
  const offsets = bot.api.callsOf('getUpdates').map((c) => c.payload.offset)
  expect(offsets).toEqual([...offsets].sort((a, b) => a - b))
  expect(offsets.at(-1)).toBe(4)
  expect(bot.api.callsOf('getUpdates')[0]!.payload.allowed_updates).toEqual(['message', 'callback_query', 'my_chat_member'])
})

test('long polling rides out a 502 and a 409 from getUpdates, and stops at once when asked', async () => {
  const bot = await start({
    before(api) {
      api.failNext('getUpdates', { code: 502 })
      api.failNext('getUpdates', { code: 409, description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' })
    },
  })
  const alice = bot.api.user(101, 'Alice')
  bot.api.sendText(alice, '/echo "still here"')
  expect((await bot.api.nextMessage(alice.id)).text).toBe('still here')
  expect(bot.api.callsOf('getUpdates').slice(0, 3).map((c) => c.error?.error_code)).toEqual([502, 409, undefined])
  expect(bot.logs.text()).toContain('"method":"getUpdates","code":409')
  const stopping = performance.now()
  await bot.adapter.stop()
  expect(performance.now() - stopping).toBeLessThan(1000)
})

test('429: the limited chat waits retry_after, other chats are not delayed', async () => {
  const bot = await start()
  const alice = bot.api.user(101, 'Alice')
  const bob = bot.api.user(102, 'Bob')
  bot.api.failNext('sendMessage', { chatId: alice.id, code: 429, retryAfter: 1 })
  const sentAt = performance.now()
  bot.api.sendText(alice, '/echo a')
  bot.api.sendText(bob, '/echo b')
  expect((await bot.api.nextMessage(bob.id)).text).toBe('b')
  expect((await bot.api.nextMessage(alice.id)).text).toBe('a')
  const [limited, retried] = bot.api.callsOf('sendMessage', alice.id)
  expect(limited!.error).toEqual({ error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } })
  expect(retried!.ok).toBe(true)
  expect(retried!.receivedAt - limited!.answeredAt!).toBeGreaterThanOrEqual(990)
  expect(bot.api.callsOf('sendMessage', bob.id)[0]!.answeredAt! - sentAt).toBeLessThan(500)
})

describe('logs', () => {
  test('Telegram errors are logged with the method name and never with the token', async () => {
    const bot = await start()
    const alice = bot.api.user(101, 'Alice')
    const bob = bot.api.user(102, 'Bob')
    bot.api.failNext('sendMessage', { chatId: alice.id, code: 502, times: 10 })
    bot.api.failNext('sendMessage', { chatId: bob.id, code: 400, description: `Bad Request: can't parse entities: Unsupported start tag "x" at byte offset 0` })
    bot.api.sendText(alice, '/echo lost')
    bot.api.sendText(bob, '/echo lost')
    await bot.adapter.sendToChannel('@nowhere', { text: 'Announcement' }).catch(() => {})
    await vi.waitFor(() => expect(bot.logs.text()).toContain('a Telegram update failed'))
    await vi.waitFor(() => expect(bot.logs.lines.filter((l) => l.includes('a Telegram update failed'))).toHaveLength(2))
    const lines = bot.logs.lines.map((line) => JSON.parse(line))
    expect(lines).toContainEqual(expect.objectContaining({ method: 'sendMessage', chatId: '101', code: 502, description: 'Bad Gateway', attempt: 4 }))
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 50, method: 'sendMessage', chatId: '102', code: 400, msg: 'Telegram refused a request', description: expect.stringContaining("can't parse entities") }),
    )
    expect(lines).toContainEqual(expect.objectContaining({ method: 'sendMessage', chatId: '@nowhere', description: 'Bad Request: chat not found' }))
    expect(bot.logs.text()).not.toContain(bot.api.token)
    expect(bot.logs.text()).not.toContain(bot.api.token.split(':')[1])
  })

  test('a rejected token stops start with a message that does not contain it', async () => {
    const api = await LocalBotApi.start()
    const logs = captureLogs()
    const { pipeline, db, close } = createTestPipeline()
    const token = '7000001:AAwrongTOKENwrongTOKENwrong123'
    const adapter = createTelegramAdapter({ pipeline, db, logger: logs.logger, token, apiRoot: api.apiRoot })
    const error = await adapter.start().catch((e: Error) => e)
    expect((error as Error).message).toMatchInlineSnapshot(
      `"Telegram refused to start the bot (getMe: Telegram getMe failed: Unauthorized); check TELEGRAM_BOT_TOKEN and TELEGRAM_API_ROOT."`,
    )
    expect(logs.text()).toContain('"method":"getMe"')
    expect(logs.text()).not.toContain('AAwrongTOKEN')
    await api.close()
    close()
  })
})
