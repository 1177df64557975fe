import { afterAll, beforeAll, expect, test } from 'vitest'
import { LocalDiscordServer } from './LocalDiscordServer.ts'

/** The fake keeps Discord's rules; check them directly, so adapter tests can rely on them. */
const TOKEN = 'fake-token-for-rules'
let server: LocalDiscordServer

beforeAll(async () => {
  server = await LocalDiscordServer.start({ token: TOKEN })
})
afterAll(() => server.close())

async function callback(id: string, token: string, body: unknown) {
  const response = await fetch(`${server.apiBase}/v10/interactions/${id}/${token}/callback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: response.status, contentType: response.headers.get('content-type'), body: response.status === 204 ? undefined : await response.json() }
}

test('one acknowledgement per interaction: 204 without a content type, then 40060', async () => {
  const interaction = server.slash({ user: server.user('a'), name: 'help' })
  expect(await callback(interaction.id, interaction.token, { type: 4, data: { content: 'hi' } })).toEqual({ status: 204, contentType: null, body: undefined })
  expect(await callback(interaction.id, interaction.token, { type: 4, data: { content: 'again' } })).toEqual({
    status: 400,
    contentType: 'application/json',
    body: { code: 40060, message: 'Interaction has already been acknowledged.' },
  })
})

test('past the acknowledgement deadline: 10062 Unknown interaction', async () => {
  const interaction = server.slash({ user: server.user('b'), name: 'help', ageMs: 3100 })
  expect((await callback(interaction.id, interaction.token, { type: 5 })).body).toEqual({ code: 10062, message: 'Unknown interaction' })
})

test('messages over 2,000 characters are refused', async () => {
  const interaction = server.slash({ user: server.user('c'), name: 'help' })
  const answer = await callback(interaction.id, interaction.token, { type: 4, data: { content: 'x'.repeat(2001) } })
  expect(answer).toMatchObject({ status: 400, body: { code: 50035 } })
})

test('REST routes need the bot token; 429s carry Retry-After, rate-limit headers and a JSON body', async () => {
  expect((await fetch(`${server.apiBase}/v10/gateway/bot`)).status).toBe(401)
  server.rateLimitNext({ method: 'GET', path: /^\/gateway\/bot$/ }, { retryAfter: 1.5, global: true })
  const limited = await fetch(`${server.apiBase}/v10/gateway/bot`, { headers: { authorization: `Bot ${TOKEN}` } })
  expect(limited.status).toBe(429)
  expect(limited.headers.get('retry-after')).toBe('2')
  expect(limited.headers.get('x-ratelimit-global')).toBe('true')
  expect(limited.headers.get('x-ratelimit-reset-after')).toBe('1.5')
  expect(await limited.json()).toEqual({ message: 'You are being rate limited.', retry_after: 1.5, global: true, code: 0 })
  const gateway = await (await fetch(`${server.apiBase}/v10/gateway/bot`, { headers: { authorization: `Bot ${TOKEN}` } })).json()
  expect(gateway.url).toBe(server.gatewayUrl)
})
