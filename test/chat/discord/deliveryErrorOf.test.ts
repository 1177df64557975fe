import { DiscordAPIError, HTTPError } from 'discord.js'
import { expect, test } from 'vitest'
import { deliveryErrorOf, isDmClosed } from '../../../src/chat/discord/deliveryErrorOf.ts'

function apiError(status: number, code: number, message: string) {
  return new DiscordAPIError({ code, message }, code, status, 'POST', 'https://discord.com/api/v10/webhooks/1/SECRET', { body: {} })
}

test('maps Discord failures to the dispatcher’s kinds without leaking the URL', () => {
  const closed = apiError(403, 50007, 'Cannot send messages to this user')
  expect(isDmClosed(closed)).toBe(true)
  expect(deliveryErrorOf(closed)).toMatchObject({ kind: 'unreachable', message: 'discord 403 (code 50007): Cannot send messages to this user' })
  expect(deliveryErrorOf(apiError(404, 10003, 'Unknown Channel')).kind).toBe('rejected')
  expect(deliveryErrorOf(apiError(502, 0, 'Bad Gateway')).kind).toBe('transient')
  expect(deliveryErrorOf(new HTTPError(503, 'Service Unavailable', 'POST', 'https://x/SECRET', { body: {} })).kind).toBe('transient')
  expect(deliveryErrorOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toMatchObject({ kind: 'transient' })
  for (const error of [closed, apiError(502, 0, 'Bad Gateway')]) expect(deliveryErrorOf(error).message).not.toContain('SECRET')
})
