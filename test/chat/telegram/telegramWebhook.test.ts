import { serve, type ServerType } from '@hono/node-server'
import type { Hono } from 'hono'
import type { AddressInfo } from 'node:net'
import { afterEach, expect, test } from 'vitest'
import { createMetrics } from '../../../src/app/metrics.ts'
import { createTelegramAdapter } from '../../../src/chat/telegram/createTelegramAdapter.ts'
import { createHttpApp } from '../../../src/http/createHttpApp.ts'
import { createTestPipeline } from '../../support/createTestPipeline.ts'
import { captureLogs, startTelegramTest } from './startTelegramTest.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Our HTTP server (the product's createHttpApp) with the adapter's webhook
 *  route mounted the way the composition root mounts it. */
async function startWebhookBot() {
  let app: Hono | undefined
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: (request) => app!.fetch(request), port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/telegram/webhook`
  const secret = 'webhook-Secret_0123456789'
  const bot = await startTelegramTest({ webhook: () => ({ url, secret }) })
  cleanups.push(bot.stop)
  app = createHttpApp({ logger: captureLogs().logger, metrics: createMetrics({ defaults: false }), healthChecks: [], routes: [bot.adapter.webhookApp!] })
  return { bot, url, secret }
}

test('webhook mode: Telegram is told the URL and secret, and updates posted there are answered', async () => {
  const { bot, url, secret } = await startWebhookBot()
  expect(bot.api.webhookInfo()).toEqual({ url, secret, allowedUpdates: ['message', 'callback_query', 'my_chat_member'] })
  const alice = bot.api.user(101, 'Alice')
  bot.api.sendText(alice, '/echo hooked')
  expect((await bot.api.nextMessage(alice.id)).text).toBe('hooked')
  bot.api.sendText(alice, '/order soup')
  const quote = await bot.api.nextMessage(alice.id)
  await bot.api.answerOf(bot.api.press(alice, quote, 'Confirm'))
  await bot.api.waitFor((c) => c.method === 'editMessageText' && c.ok === true)
  expect(bot.api.messageNow(quote)!.text).toBe('Order placed\nYou ordered soup.')
  expect(bot.api.webhookDeliveries.map((d) => d.status)).toEqual([200, 200, 200])
  expect(bot.api.callsOf('getUpdates')).toEqual([])
  expect(bot.api.callsOf('deleteWebhook')).toEqual([])
})

test('error: a webhook request without the secret, or with a wrong one, gets 401 and is not handled', async () => {
  const { bot, url } = await startWebhookBot()
  const alice = bot.api.user(101, 'Alice')
  const forged = JSON.stringify({
    update_id: 999,
    message: { message_id: 1, date: 0, chat: { id: alice.id, type: 'private', first_name: 'Alice' }, from: alice, text: '/echo forged' },
  })
  const post = (headers: Record<string, string>) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: forged })
  const missing = await post({})
  expect(missing.status).toBe(401)
  expect(await missing.json()).toEqual({ error: 'Missing or wrong X-Telegram-Bot-Api-Secret-Token.', code: 'UNAUTHORIZED' })
  expect((await post({ 'x-telegram-bot-api-secret-token': 'webhook-Secret_0123456788' })).status).toBe(401)
  expect((await post({ 'x-telegram-bot-api-secret-token': 'short' })).status).toBe(401)
  bot.api.sendText(alice, '/echo genuine')
  expect((await bot.api.nextMessage(alice.id)).text).toBe('genuine')
  expect(bot.api.callsOf('sendMessage').map((c) => c.payload.text)).toEqual(['genuine'])
})

test('error: a webhook URL without a path, or a secret Telegram would refuse, stops creation', async () => {
  const { pipeline, db, close } = createTestPipeline()
  cleanups.push(async () => close())
  const base = { pipeline, db, logger: captureLogs().logger, token: '1:x' }
  expect(() => createTelegramAdapter({ ...base, webhook: { url: 'https://bot.example.org', secret: 'abc' } })).toThrowErrorMatchingInlineSnapshot(`[Error: The Telegram webhook URL needs a path, such as https://bot.example.org/telegram/webhook.]`)
  expect(() => createTelegramAdapter({ ...base, webhook: { url: 'https://bot.example.org/tg', secret: 'has spaces' } })).toThrowErrorMatchingInlineSnapshot(`[Error: The Telegram webhook secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -.]`)
})
