import { createServer } from 'node:net'
import { Telegram } from 'telegraf'
import { afterEach, expect, test } from 'vitest'
import { TelegramSender, type SenderLimits } from '../../../src/chat/telegram/TelegramSender.ts'
import { DeliveryError } from '../../../src/notify/DeliveryError.ts'
import { LocalBotApi } from './LocalBotApi.ts'
import { captureLogs, FAST_LIMITS } from './startTelegramTest.ts'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

async function setup(limits: Partial<SenderLimits> = {}, apiRoot?: string) {
  const api = await LocalBotApi.start()
  const logs = captureLogs()
  const telegram = new Telegram(api.token, { apiRoot: apiRoot ?? api.apiRoot })
  const unreachable: string[] = []
  const sender = new TelegramSender({
    callApi: (method, payload) => telegram.callApi(method as never, payload as never),
    logger: logs.logger,
    token: api.token,
    limits: { ...FAST_LIMITS, ...limits },
    onUnreachable: (chatId) => void unreachable.push(chatId),
  })
  cleanups.push(() => sender.close(), () => api.close())
  const alice = api.user(101, 'Alice')
  const bob = api.user(102, 'Bob')
  const group = api.group(-100200, 'GPU renters')
  const say = (chatId: number | string, text: string) => sender.send(String(chatId), 'sendMessage', { chat_id: chatId, text })
  return { api, sender, logs, unreachable, alice, bob, group, say }
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!)

test('paces each private chat to its bucket without slowing other chats', async () => {
  const { api, alice, bob, say } = await setup({ privateChat: { burst: 1, perSecond: 20 } })
  await Promise.all([...['1', '2', '3', '4', '5'].map((n) => say(alice.id, n)), say(bob.id, 'hi')])
  const toAlice = api.callsOf('sendMessage', alice.id)
  expect(toAlice.map((c) => c.payload.text)).toEqual(['1', '2', '3', '4', '5'])
  // One token per 50 ms. Arrival times carry each request's latency too (the
  // first one opens the connection), hence the slack.
  const times = toAlice.map((c) => c.receivedAt)
  expect(times.at(-1)! - times[1]!).toBeGreaterThanOrEqual(3 * 50 - 15)
  for (const gap of gaps(times).slice(1)) expect(gap).toBeGreaterThanOrEqual(25)
  // Bob's message did not wait behind Alice's queue.
  expect(api.callsOf('sendMessage', bob.id)[0]!.receivedAt).toBeLessThan(times[1]!)
})

test('paces a group to its own (slower) bucket', async () => {
  const { api, group, say } = await setup({ groupChat: { burst: 2, perSecond: 10 } })
  await Promise.all(['1', '2', '3', '4'].map((n) => say(group.id, n)))
  const times = api.callsOf('sendMessage', group.id).map((c) => c.receivedAt)
  expect(times[1]! - times[0]!).toBeLessThan(40)
  expect(times[3]! - times[1]!).toBeGreaterThanOrEqual(2 * 100 - 15)
})

test('the global bucket caps all chats together', async () => {
  const { api, say } = await setup({ global: { burst: 1, perSecond: 20 } })
  const users = [201, 202, 203, 204, 205].map((id) => api.user(id, `u${id}`))
  await Promise.all(users.map((u) => say(u.id, 'hello')))
  const times = api.callsOf('sendMessage').map((c) => c.receivedAt)
  expect(times.at(-1)! - times[1]!).toBeGreaterThanOrEqual(3 * 50 - 15)
})

test('a 5xx is retried with backoff; a message that gets through resolves', async () => {
  const { api, alice, say } = await setup()
  api.failNext('sendMessage', { chatId: alice.id, code: 502 })
  await expect(say(alice.id, 'eventually')).resolves.toMatchObject({ text: 'eventually' })
  expect(api.callsOf('sendMessage', alice.id).map((c) => c.ok)).toEqual([false, true])
})

test('error: a 5xx that persists ends as transient after a bounded number of tries', async () => {
  const { api, alice, say, logs } = await setup({ transientAttempts: 3, retryBaseMs: 20, retryMaxMs: 80 })
  api.failNext('sendMessage', { chatId: alice.id, code: 502, times: 10 })
  const error = await say(alice.id, 'lost').catch((e: unknown) => e)
  expect(error).toBeInstanceOf(DeliveryError)
  expect(error).toMatchObject({ kind: 'transient', method: 'sendMessage', code: 502, message: 'Telegram sendMessage failed: Bad Gateway' })
  const calls = api.callsOf('sendMessage', alice.id)
  expect(calls).toHaveLength(3)
  // Equal jitter: at least half of 20 ms, then of 40 ms.
  const [first, second] = gaps(calls.map((c) => c.receivedAt))
  expect(first).toBeGreaterThanOrEqual(9)
  expect(second).toBeGreaterThanOrEqual(19)
  expect(logs.lines.map((l) => JSON.parse(l))).toContainEqual(expect.objectContaining({ method: 'sendMessage', code: 502, attempt: 3 }))
})

test('error: a user who blocked the bot is tried once; everything queued for them fails unreachable', async () => {
  const { api, alice, bob, say, unreachable } = await setup({ privateChat: { burst: 1, perSecond: 10 } })
  api.block(alice.id)
  const results = await Promise.allSettled([say(alice.id, '1'), say(alice.id, '2'), say(alice.id, '3'), say(bob.id, 'fine')])
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'fulfilled'])
  for (const r of results.slice(0, 3)) expect((r as PromiseRejectedResult).reason).toMatchObject({ kind: 'unreachable', code: 403 })
  expect(api.callsOf('sendMessage', alice.id)).toHaveLength(1)
  expect(unreachable).toEqual(['101'])
})

test.each([
  ['user is deactivated', 403, 'Forbidden: user is deactivated'],
  ['chat not found', 400, 'Bad Request: chat not found'],
  ['kicked from a group', 403, 'Forbidden: bot was kicked from the supergroup chat'],
])('error: %s is unreachable after one attempt', async (_name, code, description) => {
  const { api, alice, say, unreachable } = await setup()
  api.failNext('sendMessage', { chatId: alice.id, code, description })
  await expect(say(alice.id, 'x')).rejects.toMatchObject({ kind: 'unreachable', description })
  expect(api.callsOf('sendMessage', alice.id)).toHaveLength(1)
  expect(unreachable).toEqual(['101'])
})

test('error: a 400 parse error is not retried and is logged at error level with the method', async () => {
  const { api, alice, say, logs, unreachable } = await setup()
  const description = `Bad Request: can't parse entities: Unsupported start tag "x" at byte offset 0`
  api.failNext('sendMessage', { chatId: alice.id, code: 400, description })
  await expect(say(alice.id, '<x>')).rejects.toMatchObject({ kind: 'rejected', code: 400, description })
  expect(api.callsOf('sendMessage', alice.id)).toHaveLength(1)
  expect(unreachable).toEqual([])
  expect(logs.lines.map((l) => JSON.parse(l))).toContainEqual(
    expect.objectContaining({ level: 50, method: 'sendMessage', chatId: '101', code: 400, description, msg: 'Telegram refused a request' }),
  )
})

test('error: 429s beyond the allowed number hand the message back as rate_limited', async () => {
  const { api, alice, say } = await setup({ rateLimitAttempts: 1 })
  api.failNext('sendMessage', { chatId: alice.id, code: 429, retryAfter: 1, times: 2 })
  await expect(say(alice.id, 'x')).rejects.toMatchObject({ kind: 'rate_limited', retryAfterMs: 1000 })
  expect(api.callsOf('sendMessage', alice.id)).toHaveLength(1)
})

test('error: a retry_after too long to hold in memory is handed back at once, for later messages too', async () => {
  const { api, alice, bob, say } = await setup({ maxRetryAfterMs: 10_000 })
  api.failNext('sendMessage', { chatId: alice.id, code: 429, retryAfter: 120 })
  await expect(say(alice.id, 'x')).rejects.toMatchObject({ kind: 'rate_limited', retryAfterMs: 120_000 })
  const later = await say(alice.id, 'y').catch((e: DeliveryError) => e)
  expect(later).toMatchObject({ kind: 'rate_limited' })
  expect((later as DeliveryError).retryAfterMs).toBeGreaterThan(119_000)
  expect(api.callsOf('sendMessage', alice.id)).toHaveLength(1)
  await expect(say(bob.id, 'z')).resolves.toMatchObject({ text: 'z' })
})

test('error: a chat whose queue is full is refused at once with a retry hint; memory stays bounded', async () => {
  const { api, alice, say, sender } = await setup({ privateChat: { burst: 1, perSecond: 2 }, maxQueuePerChat: 3 })
  const queued = [say(alice.id, '1'), say(alice.id, '2'), say(alice.id, '3')]
  const refused = await say(alice.id, '4').catch((e: DeliveryError) => e)
  expect(refused).toMatchObject({ kind: 'rate_limited', message: 'Telegram sendMessage failed: 3 messages already queued for this chat' })
  expect((refused as DeliveryError).retryAfterMs).toBeGreaterThanOrEqual(1000)
  await queued[0]
  sender.close()
  const rest = await Promise.allSettled(queued.slice(1))
  expect(rest.map((r) => r.status)).toEqual(['rejected', 'rejected'])
  expect((rest[0] as PromiseRejectedResult).reason).toMatchObject({ kind: 'transient', description: 'the Telegram sender stopped' })
  expect(api.callsOf('sendMessage', alice.id).map((c) => c.payload.text)).toEqual(['1'])
})

test('error: a network failure is transient after retries, and the token stays out of logs and errors', async () => {
  const port = await closedPort()
  const { alice, say, logs, api } = await setup({ transientAttempts: 2 }, `http://127.0.0.1:${port}`)
  const error = (await say(alice.id, 'x').catch((e: unknown) => e)) as DeliveryError
  expect(error).toMatchObject({ kind: 'transient', method: 'sendMessage' })
  expect(error.message).toContain('ECONNREFUSED')
  expect(logs.text()).toContain('"method":"sendMessage"')
  expect(logs.text()).toContain('ECONNREFUSED')
  for (const text of [logs.text(), error.message, String(error.stack)]) {
    expect(text).not.toContain(api.token)
    expect(text).not.toContain(api.token.split(':')[1])
  }
})

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}
