import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { createDiscordAdapter } from '../../../src/chat/discord/createDiscordAdapter.ts'
import { DM_CLOSED_NOTICE } from '../../../src/chat/discord/dmClosedNotice.ts'
import type { ChatAdapter } from '../../../src/chat/ChatAdapter.ts'
import { isDmUnreachable } from '../../../src/identity/dmReachability.ts'
import { DeliveryError } from '../../../src/notify/DeliveryError.ts'
import { createTestPipeline } from '../../support/createTestPipeline.ts'
import { shownText, type StoredMessage } from './discordPayloads.ts'
import { LocalDiscordServer, type InteractionRecord } from './LocalDiscordServer.ts'
import { createTestCommands } from './testCommands.ts'

const TOKEN = 'MTIzNDU2Nzg5.test-bot-token.local'
const EPHEMERAL = 64
const INFO_BLUE = 0x5865f2
const MODELS = ['H100-80GB', 'H200-141GB', 'A100-40GB', 'A100-80GB', 'L40S', 'RTX-4090', ...Array.from({ length: 30 }, (_, i) => `GPU-${i}`)]

let server: LocalDiscordServer
let harness: ReturnType<typeof createTestPipeline>
let adapter: ChatAdapter
let seen: Record<string, unknown>[]
/** Moves the app's clock (not Discord's) forward, e.g. past a button's expiry. */
let skewMs = 0
const clock = () => Date.now() + skewMs

function startAdapter(overrides: Partial<Parameters<typeof createDiscordAdapter>[0]> = {}) {
  return createDiscordAdapter({
    pipeline: harness.pipeline,
    db: harness.db,
    logger: harness.logger,
    clock,
    token: TOKEN,
    applicationId: server.applicationId,
    guildId: server.guild.id,
    apiBase: server.apiBase,
    ...overrides,
  })
}

beforeAll(async () => {
  server = await LocalDiscordServer.start({ token: TOKEN, heartbeatIntervalMs: 250 })
  seen = []
  harness = createTestPipeline({ commands: createTestCommands(seen), clock, autocomplete: { models: () => MODELS } })
  adapter = startAdapter()
  await adapter.start()
})

afterAll(async () => {
  await adapter?.stop()
  await server?.close()
  harness?.close()
})

afterEach(() => {
  skewMs = 0
  // Whatever else a test provokes, the adapter never acknowledges twice.
  expect(server.errors.filter((e) => e.code === 40060)).toEqual([])
})

/** The interaction's messages as the channel shows them: original first, then follow-ups. */
function answerOf(interaction: InteractionRecord): StoredMessage[] {
  return [interaction.originalId, ...interaction.followUpIds].map((id) => server.messages.get(id!)!).filter((m) => m && !m.deleted)
}

function errorsSince(count: number) {
  return server.errors.slice(count)
}

function buttonIds(message: StoredMessage): string[] {
  return (message.components as { components: { custom_id?: string }[] }[]).flatMap((row) => row.components.map((b) => b.custom_id!))
}

describe('connection', () => {
  test('identifies with only the Guilds and DirectMessages intents over an uncompressed JSON gateway', async () => {
    expect(server.gateway.identifies).toHaveLength(1)
    expect(server.gateway.identifies[0]).toMatchObject({ token: TOKEN, intents: 1 | (1 << 12), compress: false, shard: [0, 1] })
    const query = Object.fromEntries(server.gateway.connections[0]!.query)
    expect(query).toEqual({ v: '10', encoding: 'json' })
    await server.waitFor(() => server.gateway.heartbeats >= 2, 3000)
  })
})

describe('command registration', () => {
  test('puts the registry to the guild in one request, required options first, limits included', () => {
    const puts = server.requests.filter((r) => r.method === 'PUT')
    expect(puts.map((r) => r.path)).toEqual([`/applications/${server.applicationId}/guilds/${server.guild.id}/commands`])
    const body = puts[0]!.body as any[]
    expect(body.map((c) => c.name)).toEqual(harness.pipeline.commands.map((c) => c.name))
    expect(body.find((c) => c.name === 'typed')).toEqual({
      type: 1,
      name: 'typed',
      description: 'Takes one option of every type',
      contexts: [0, 1],
      integration_types: [0],
      options: [
        { name: 'text', description: 'Some text', required: true, type: 3, max_length: 50 },
        { name: 'count', description: 'How many', required: true, type: 4, min_value: 1, max_value: 10 },
        { name: 'note', description: 'An optional note', type: 3, max_length: 40 },
        { name: 'ratio', description: 'A fraction', type: 10, min_value: 0, max_value: 1 },
        { name: 'flag', description: 'On or off', type: 5 },
        {
          name: 'size',
          description: 'Pick a size',
          type: 3,
          choices: [
            { name: 'small', value: 'small' },
            { name: 'large', value: 'large' },
          ],
        },
        { name: 'model', description: 'GPU model', type: 3, autocomplete: true },
      ],
    })
  })

  test('is skipped on the next start when nothing changed, and redone when a command changed', async () => {
    const before = server.requests.length
    const again = startAdapter({ gateway: false })
    await again.start()
    await again.stop()
    const restart = server.requests.slice(before).map((r) => `${r.method} ${r.status}`)
    expect(restart).toEqual(['GET 200'])

    const changed = createTestPipeline({ commands: createTestCommands([]).slice(1) })
    const other = createDiscordAdapter({
      pipeline: changed.pipeline,
      db: changed.db,
      logger: changed.logger,
      token: TOKEN,
      applicationId: server.applicationId,
      apiBase: server.apiBase,
      gateway: false,
    })
    const mark = server.requests.length
    await other.start()
    await other.stop()
    changed.close()
    // No guild id this time: the global list, which was still empty.
    expect(server.requests.slice(mark).map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /applications/${server.applicationId}/commands`,
      `PUT /applications/${server.applicationId}/commands`,
    ])
    expect(server.commands.global.map((c) => c.name)).not.toContain('typed')
  })
})

describe('slash commands', () => {
  test('each option type arrives typed', async () => {
    const user = server.user('typist')
    const interaction = server.slash({
      user,
      name: 'typed',
      options: [
        { name: 'text', type: 3, value: 'hello' },
        { name: 'count', type: 4, value: 3 },
        { name: 'ratio', type: 10, value: 0.25 },
        { name: 'flag', type: 5, value: true },
        { name: 'size', type: 3, value: 'large' },
        { name: 'model', type: 3, value: 'H100-80GB' },
      ],
    })
    await interaction.acked
    expect(seen.at(-1)).toStrictEqual({ note: undefined, text: 'hello', count: 3, ratio: 0.25, flag: true, size: 'large', model: 'H100-80GB' })
    expect(interaction.ack).toMatchObject({ type: 4 })
    expect(shownText(answerOf(interaction)[0]!)).toBe(
      'got note=undefined:undefined text=string:hello count=number:3 ratio=number:0.25 flag=boolean:true size=string:large model=string:H100-80GB',
    )
    expect(answerOf(interaction)[0]!.flags).toBe(0)
  })

  test('autocomplete answers with at most 25 matching choices', async () => {
    const user = server.user('completer')
    const narrow = server.autocomplete({ user, name: 'typed', options: [{ name: 'model', type: 3, value: 'a100', focused: true }] })
    const wide = server.autocomplete({ user, name: 'typed', options: [{ name: 'model', type: 3, value: '', focused: true }] })
    await Promise.all([narrow.acked, wide.acked])
    expect(narrow.ack?.type).toBe(8)
    expect(narrow.autocompleteChoices).toEqual([
      { name: 'A100-40GB', value: 'A100-40GB' },
      { name: 'A100-80GB', value: 'A100-80GB' },
    ])
    expect(wide.autocompleteChoices).toHaveLength(25)
    expect(narrow.ack!.at - narrow.createdAt).toBeLessThan(500)
  })

  test('a private command is answered ephemerally', async () => {
    const interaction = server.slash({ user: server.user('saver'), name: 'secret' })
    await interaction.acked
    expect(interaction.ack).toMatchObject({ type: 4, data: { flags: EPHEMERAL, allowed_mentions: { parse: [] } } })
    expect(answerOf(interaction).map(shownText)).toEqual(['**Balance**\nYou hold 42.5 GRID'])
  })

  test('slow commands are deferred (ephemerally when private) and their original edited, all within the deadline', async () => {
    const user = server.user('patient')
    const open = server.slash({ user, name: 'slow' })
    const secret = server.slash({ user, name: 'slowsecret' })
    await server.waitFor(() => answerOf(open)[0]?.edits && answerOf(secret)[0]?.edits, 5000)
    for (const interaction of [open, secret]) {
      expect(interaction.ack?.type).toBe(5)
      const waited = interaction.ack!.at - interaction.createdAt
      expect(waited).toBeGreaterThanOrEqual(1400)
      expect(waited).toBeLessThan(2000)
    }
    expect(open.ack?.data).toEqual({ flags: 0 })
    expect(secret.ack?.data).toEqual({ flags: EPHEMERAL })
    expect(answerOf(open).map((m) => [shownText(m), m.flags])).toEqual([['Finished the slow work.', 0]])
    expect(answerOf(secret).map((m) => [shownText(m), m.flags])).toEqual([['Your private slow answer.', EPHEMERAL]])
    const edits = server.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/messages/@original'))
    expect(edits.slice(-2).map((r) => r.status)).toEqual([200, 200])
  })

  test('an interaction that reached us late is deferred sooner, still within the deadline', async () => {
    // 1.5 s in transit leaves 0.5 s before the adapter must acknowledge.
    const late = server.slash({ user: server.user('laggard'), name: 'slow', ageMs: 1500 })
    await late.acked
    expect(late.ack?.type).toBe(5)
    expect(late.ack!.at - late.createdAt).toBeLessThan(2200)
    await server.waitFor(() => answerOf(late)[0]?.edits, 4000)
  })

  test('an interaction already past its deadline is dropped after one try', async () => {
    const errors = server.errors.length
    const expired = server.slash({ user: server.user('ghost'), name: 'secret', ageMs: 3500 })
    await server.waitFor(() => server.requests.some((r) => r.path.includes(expired.id)))
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(server.requests.filter((r) => r.path.includes(expired.id)).map((r) => [r.status, r.code])).toEqual([[404, 10062]])
    expect(errorsSince(errors).map((e) => e.code)).toEqual([10062])
  })

  test('commands in a DM run in a private chat, in a guild in a group chat', async () => {
    const user = server.user('carol')
    const dm = server.slash({ user, name: 'where', where: 'dm' })
    const guild = server.slash({ user, name: 'where', where: 'guild' })
    await Promise.all([dm.acked, guild.acked])
    expect(shownText(answerOf(dm)[0]!)).toBe(`private chat ${server.dmChannelOf(user.id)}, user carol (${user.id})`)
    expect(shownText(answerOf(guild)[0]!)).toBe(`group chat ${server.guild.channelId}, user carol (${user.id})`)
  })

  test('user text cannot ping anyone or break out of its formatting', async () => {
    const text = '@everyone <@123456789012345678> **bold** ```js\ncode``` # not a heading https://x.test/a_b_c'
    const interaction = server.slash({ user: server.user('prankster'), name: 'echo', options: [{ name: 'text', type: 3, value: text }] })
    await interaction.acked
    expect(interaction.ack?.data.allowed_mentions).toEqual({ parse: [] })
    expect(shownText(answerOf(interaction)[0]!)).toBe(
      '@\u200beveryone \\<@123456789012345678\\> \\*\\*bold\\*\\* \\`\\`\\`js\ncode\\`\\`\\` # not a heading https://x.test/a_b_c',
    )
  })

  test('a long reply is split into embeds of at most 4,096 characters and messages of at most 6,000, code blocks closed in each', async () => {
    const interaction = server.slash({ user: server.user('reader'), name: 'long' })
    await server.waitFor(() => interaction.followUpIds.length >= 2 && answerOf(interaction).length === 1 + interaction.followUpIds.length)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const parts = answerOf(interaction)
    expect(parts).toHaveLength(3)
    for (const part of parts) {
      expect(part.content).toBe('')
      expect(part.embeds.reduce((n, e) => n + (e.title?.length ?? 0) + (e.description?.length ?? 0), 0)).toBeLessThanOrEqual(6000)
      for (const embed of part.embeds) {
        expect(embed.description!.length).toBeLessThanOrEqual(4096)
        expect(embed.description!.split('```').length % 2).toBe(1)
      }
    }
    expect(parts[0]!.embeds[0]!.title).toBe('Capacity')
    expect(parts.map(shownText).join('\n')).toContain('H100-39  39')
    expect(shownText(parts.at(-1)!)).toContain('line 199: ')
  })

  test('a failing handler answers with a reference, never the error', async () => {
    const interaction = server.slash({ user: server.user('unlucky'), name: 'boom' })
    await interaction.acked
    const content = shownText(answerOf(interaction)[0]!)
    expect(content).toMatch(/^Something went wrong \(ref [0-9a-f]{6}\)\. Please try again; if it keeps happening, quote the ref to an admin\.$/)
    expect(content).not.toContain('secret.db')
  })

  test('an answer Discord refuses becomes a private apology with a reference', async () => {
    server.failNext({ method: 'POST', path: /\/callback$/ }, { status: 400, code: 50035, message: 'Invalid Form Body' })
    const interaction = server.slash({ user: server.user('refused'), name: 'secret' })
    await interaction.acked
    expect(interaction.ack?.data.flags).toBe(EPHEMERAL)
    expect(shownText(answerOf(interaction)[0]!)).toMatch(/^Something went wrong \(ref [0-9a-f]{6}\)\. Please try again\.$/)
  })
})

describe('buttons', () => {
  async function offerDeal(user: ReturnType<LocalDiscordServer['user']>) {
    const offer = server.slash({ user, name: 'deal' })
    await offer.acked
    return server.messages.get(offer.originalId!)!
  }

  test('renders action buttons and a link button in one row', async () => {
    const message = await offerDeal(server.user('shopper'))
    expect(message.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 3, label: 'Confirm', custom_id: expect.stringMatching(/^[\w-]{10}$/) },
          { type: 2, style: 4, label: 'Cancel', custom_id: expect.stringMatching(/^[\w-]{10}$/) },
          { type: 2, style: 5, label: 'Pricing', url: 'https://gridshare.example.org/pricing' },
        ],
      },
    ])
  })

  test('a press by its owner replaces the message with the outcome and removes the buttons', async () => {
    const alice = server.user('alice')
    const message = await offerDeal(alice)
    const [confirm] = buttonIds(message)
    const press = server.press({ user: alice, message, customId: confirm! })
    await press.acked
    expect(press.ack?.type).toBe(7)
    expect(server.messages.get(message.id)).toMatchObject({ content: '', components: [], edits: 1 })
    expect(shownText(server.messages.get(message.id)!)).toBe('Confirmed q1: rental r7k3p starts now.')

    const again = server.press({ user: alice, message, customId: buttonIds(message)[0] ?? confirm! })
    await again.acked
    expect(again.ack).toMatchObject({ type: 4, data: { content: 'This was already answered.', flags: EPHEMERAL } })
  })

  test('a press by someone else is refused privately and changes nothing', async () => {
    const alice = server.user('alice2')
    const message = await offerDeal(alice)
    const before = structuredClone(message)
    const press = server.press({ user: server.user('mallory'), message, customId: buttonIds(message)[0]! })
    await press.acked
    expect(press.ack).toMatchObject({ type: 4, data: { content: 'This button belongs to someone else.', flags: EPHEMERAL } })
    expect(server.messages.get(message.id)).toEqual(before)
  })

  test('a press after the buttons expired says so', async () => {
    const alice = server.user('alice3')
    const message = await offerDeal(alice)
    skewMs = 16 * 60_000
    const press = server.press({ user: alice, message, customId: buttonIds(message)[1]! })
    await press.acked
    expect(press.ack).toMatchObject({ type: 4, data: { content: 'This button expired. Run the command again.', flags: EPHEMERAL } })
    expect(server.messages.get(message.id)!.edits).toBe(0)
  })

  test('buttons work in a DM too', async () => {
    const dave = server.user('dave')
    const offer = server.slash({ user: dave, name: 'deal', where: 'dm' })
    await offer.acked
    const message = server.messages.get(offer.originalId!)!
    const press = server.press({ user: dave, message, customId: buttonIds(message)[1]! })
    await press.acked
    expect(press.ack?.type).toBe(7)
    expect(server.messages.get(message.id)).toMatchObject({ components: [] })
    expect(shownText(server.messages.get(message.id)!)).toBe('Cancelled.')
  })
})

describe('notifications', () => {
  test('sendPrivate opens the DM once and posts the rendered reply without pings', async () => {
    const erin = server.user('erin')
    await adapter.sendPrivate(erin.id, { title: 'Job r7k3p started', text: 'ssh gpu@10.0.0.7 -p 2222 @everyone' })
    await adapter.sendPrivate(erin.id, { text: 'Job r7k3p ended' })
    const opened = server.requests.filter((r) => r.path === '/users/@me/channels' && r.body.recipient_id === erin.id)
    expect(opened).toHaveLength(1)
    const posts = server.requests.filter((r) => r.path === `/channels/${server.dmChannelOf(erin.id)}/messages`)
    expect(posts.map((r) => r.body)).toEqual([
      { embeds: [{ color: INFO_BLUE, title: 'Job r7k3p started', description: 'ssh gpu@10.0.0.7 -p 2222 @\u200beveryone' }], components: [], allowed_mentions: { parse: [] } },
      { embeds: [{ color: INFO_BLUE, description: 'Job r7k3p ended' }], components: [], allowed_mentions: { parse: [] } },
    ])
  })

  test('closed DMs: the send fails as unreachable and the user is told once, privately', async () => {
    const frank = server.user('frank')
    const first = server.slash({ user: frank, name: 'secret' })
    await first.acked
    server.closeDms(frank.id)

    const failure = await adapter.sendPrivate(frank.id, { text: 'Your payout is on its way' }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(DeliveryError)
    expect(failure).toMatchObject({ kind: 'unreachable', message: 'discord 403 (code 50007): Cannot send messages to this user' })
    expect(isDmUnreachable(harness.db, 'discord', frank.id)).toBe(true)

    const next = server.slash({ user: frank, name: 'where' })
    await server.waitFor(() => next.followUpIds.length === 1)
    expect(answerOf(next).map((m) => [shownText(m), m.flags])).toEqual([
      [`group chat ${server.guild.channelId}, user frank (${frank.id})`, 0],
      [DM_CLOSED_NOTICE, EPHEMERAL],
    ])

    const after = server.slash({ user: frank, name: 'where' })
    await after.acked
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(after.followUpIds).toEqual([])
  })

  test('a 429 is waited out and the message sent once', async () => {
    const channel = `/channels/${server.guild.channelId}/messages`
    server.rateLimitNext({ method: 'POST', path: new RegExp(`^${channel}$`) }, { retryAfter: 0.3 })
    await adapter.sendToChannel(server.guild.channelId, { title: 'Proposal p12 passed', text: 'Off-peak bonus is now 15%.' })
    const posts = server.requests.filter((r) => r.path === channel && r.body?.embeds?.[0]?.title === 'Proposal p12 passed')
    expect(posts.map((r) => r.status)).toEqual([429, 200])
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(300)
    expect(server.messagesIn(server.guild.channelId).filter((m) => shownText(m).startsWith('**Proposal p12'))).toHaveLength(1)
  })

  test('a global 429 holds every request until it passes', async () => {
    server.rateLimitNext({ method: 'POST', path: /^\/users\/@me\/channels$/ }, { retryAfter: 0.5, global: true })
    const gina = server.user('gina')
    await adapter.sendPrivate(gina.id, { text: 'Reminder: vote on p13 closes in 1 h' })
    const requests = server.requests.filter((r) => r.body?.recipient_id === gina.id || r.path === `/channels/${server.dmChannelOf(gina.id)}/messages`)
    expect(requests.map((r) => r.status)).toEqual([429, 200, 200])
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(500)
  })

  test('notifications held by a global rate limit do not hold up answers to commands', async () => {
    server.rateLimitNext({ method: 'POST', path: /^\/users\/@me\/channels$/ }, { retryAfter: 1, global: true })
    const sending = adapter.sendPrivate(server.user('hana').id, { text: 'Your node went offline' })
    await server.waitFor(() => server.requests.at(-1)?.status === 429)
    const started = Date.now()
    // Original plus follow-ups: webhook requests, which share nothing with the held notification queue.
    const interaction = server.slash({ user: server.user('ivan'), name: 'long' })
    await server.waitFor(() => interaction.followUpIds.length >= 1)
    expect(Date.now() - started).toBeLessThan(500)
    await sending
  })

  test('a private reply is never posted to a channel', async () => {
    await expect(adapter.sendToChannel(server.guild.channelId, { text: 'balance 42', private: true })).rejects.toThrow(/private reply/)
  })

  test('fan-out is bounded: a few sends in flight, a bounded queue, the rest refused as rate_limited', async () => {
    const bounded = startAdapter({ gateway: false, registerCommands: false, fanOutConcurrency: 2, fanOutMaxWaiting: 3 })
    await bounded.start()
    const undelay = server.delay({ method: 'POST', path: /^\/channels\/\d+\/messages$/ }, 100)
    server.peakInFlight = 0
    try {
      const results = await Promise.allSettled(
        // Different DM channels: discord.js itself runs requests to one channel one at a time.
        Array.from({ length: 8 }, (_, i) => bounded.sendPrivate(server.user(`fan${i}`).id, { text: `Epoch 41 closed, reward ${i}` })),
      )
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected'])
      for (const r of results.filter((r) => r.status === 'rejected')) {
        expect((r as PromiseRejectedResult).reason).toMatchObject({ name: 'DeliveryError', kind: 'rate_limited', retryAfterMs: 1000 })
      }
      expect(server.peakInFlight).toBe(2)
    } finally {
      undelay()
      await bounded.stop()
    }
  })
})
