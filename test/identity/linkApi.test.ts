import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { pino } from 'pino'
import { privateKeyToAccount } from 'viem/accounts'
import { createMetrics } from '../../src/app/metrics.ts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { createHttpApp } from '../../src/http/createHttpApp.ts'
import { linkRoutes } from '../../src/http/linkRoutes.ts'
import { deployDevContracts, startTestChain, type TestChain } from '../chain/testChain.ts'
import { createSecurityKit, HOUR } from './securityKit.ts'

let chain: TestChain
let dev: EnsureDevChainReturnType
const [, alice, bob] = devAccounts(3).map((a) => privateKeyToAccount(a.privateKey))
const victim = { platform: 'telegram' as const, id: '123', name: '@alice' }
const attacker = { platform: 'telegram' as const, id: '666', name: '@mallory' }

beforeAll(async () => {
  chain = await startTestChain()
  dev = await deployDevContracts(chain)
})
afterAll(() => chain?.stop())

function api() {
  const k = createSecurityKit(chain, dev)
  const app = createHttpApp({ logger: pino({ level: 'silent' }), metrics: createMetrics({ defaults: false }), healthChecks: [], routes: [linkRoutes({ linking: k.linking })] })
  const get = async (token: string, address?: string) => {
    const response = await app.request(`/api/v1/link/${token}${address ? `?address=${address}` : ''}`)
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }
  const post = async (token: string, body: unknown) => {
    const response = await app.request(`/api/v1/link/${token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }
  /** What the page does: GET the message for the wallet, sign it, POST it. */
  const sign = async (token: string, wallet: typeof alice) => {
    const { body } = await get(token, wallet!.address)
    return post(token, { signature: await wallet!.signMessage({ message: body.message as string }), address: wallet!.address, message: body.message })
  }
  return { k, get, post, sign }
}

describe('the link JSON API', () => {
  test('GET names the identity, the purpose and the exact message; POST answers { status, address, message }', async () => {
    const { k, get, sign } = api()
    const { token } = k.linking.createChallenge({ identityId: k.identity(victim).identityId })
    const view = await get(token)
    expect(view).toEqual({ status: 200, body: { message: null, identity: 'Telegram user @alice (id 123)', address: null, expiresAt: '2026-11-30T09:10:00.000Z', purpose: 'link' } })
    expect((await get(token, alice!.address)).body.message).toContain("Link this wallet to Telegram user @alice (id 123) on Gridshare. If that is not you, close this page: signing gives that chat user control over this wallet's Gridshare account.")
    expect(await sign(token, alice!)).toEqual({
      status: 200,
      body: { status: 'linked', address: alice!.address, message: `Linked ${alice!.address} to Telegram user @alice (id 123); your chat has been told, and withdrawals wait 24 hours after this change.` },
    })
    expect(await get(token)).toEqual({ status: 400, body: { error: 'This link request was already used; run /link again.', code: 'CHALLENGE_USED' } })
  })

  test("attacker's case: a stolen URL signed with another account's wallet answers merge_pending and moves nothing", async () => {
    const { k, sign } = api()
    await k.link(victim, alice!)
    await k.link(attacker, bob!)
    const victimAccount = k.accountOf(victim)
    k.fund(victimAccount, 100n)
    k.clock.now += 48 * HOUR
    const { token } = k.linking.createChallenge({ identityId: k.identity(victim).identityId })
    const answer = await sign(token, bob!)
    expect(answer.body).toEqual({
      status: 'merge_pending',
      address: bob!.address,
      message: `${bob!.address} already belongs to another Gridshare account, so nothing changed yet: you and its owner must approve in chat by 2026-12-03 09:00 UTC.`,
    })
    expect(k.accountOf(victim)).toBe(victimAccount)
    expect(k.accountOf(attacker)).not.toBe(victimAccount)
  })

  test('error: the token in the URL is the only way in; the stored hash is not a token', async () => {
    const { k, get } = api()
    k.linking.createChallenge({ identityId: k.identity(victim).identityId })
    const { t } = k.sqlite.prepare('select token_hash as t from link_challenges').get() as { t: string }
    expect(await get(t)).toEqual({ status: 400, body: { error: 'This link request does not exist; run /link to get a new one.', code: 'NO_CHALLENGE' } })
  })
})
