import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { pino } from 'pino'
import { privateKeyToAccount } from 'viem/accounts'
import { commandRegistry } from '../../commands/registry.ts'
import { createMetrics } from '../../src/app/metrics.ts'
import type { Services } from '../../src/app/Services.ts'
import { CommandPipeline } from '../../src/command/CommandPipeline.ts'
import { RateLimiter } from '../../src/command/RateLimiter.ts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import { messageBetweenFrames } from '../../src/identity/handSignedMessage.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { ProtocolParameters } from '../../src/governance/ProtocolParameters.ts'
import { deployDevContracts, startTestChain, type TestChain } from '../chain/testChain.ts'
import { createGovernanceHarness } from '../governance/governanceHarness.ts'
import { createSecurityKit, HOUR } from './securityKit.ts'

let chain: TestChain
let dev: EnsureDevChainReturnType
const [, alice] = devAccounts(2).map((a) => privateKeyToAccount(a.privateKey))
const owner = { platform: 'telegram' as const, id: '100', name: '@owner' }
const ownerDiscord = { platform: 'discord' as const, id: '200', name: 'owner' }
const attacker = { platform: 'telegram' as const, id: '666', name: '@mallory' }
const dm = { id: 'dm', kind: 'private' as const }

beforeAll(async () => {
  chain = await startTestChain()
  dev = await deployDevContracts(chain)
})
afterAll(() => chain?.stop())

/** The real commands over the kit's database, as the app wires them. */
function chat() {
  const k = createSecurityKit(chain, dev)
  const services = { publicUrl: 'http://localhost:8787', units: k.units, ledger: k.ledger, linking: k.linking, payouts: k.payouts, params: new ProtocolParameters(k.db) } as unknown as Services
  const pipeline = new CommandPipeline({
    db: k.db,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics({ defaults: false }),
    clock: () => k.clock.now,
    commands: commandRegistry,
    services,
    rateLimiter: new RateLimiter({ burst: 1000, perSecond: 1000 }),
    adminIds: new Set(),
  })
  return {
    k,
    run: async (user: typeof owner | typeof ownerDiscord, text: string) => (await pipeline.runText(user, dm, text))!,
    press: (user: typeof owner | typeof ownerDiscord, actionId: string) => pipeline.press(user, dm, actionId),
  }
}

describe('security commands and buttons', () => {
  test('/link names the chat user; the Freeze my account button freezes; /withdraw then says so', async () => {
    const c = chat()
    const reply = await c.run(owner, '/link')
    expect(reply.text).toBe(
      'Open the page below and sign with your wallet to link it to Telegram user @owner (id 100) (valid 10 minutes). The link works once, only for you: never share it, and never sign a link someone else sends you. To sign by hand instead, send /link <your wallet address>.',
    )
    await c.k.link(owner, alice!)
    const accountId = c.k.accountOf(owner)
    c.k.fund(accountId, 100n)
    c.k.clock.now += 25 * HOUR
    const [freeze] = c.k.buttons('security.freeze')
    expect(await c.press(attacker, freeze!.id)).toEqual({ status: 'rejected', message: 'This button belongs to someone else.' })
    expect(await c.press(owner, freeze!.id)).toMatchObject({
      status: 'ok',
      reply: { text: 'Your account is frozen: withdrawals, /authorize and votes signed by the bot are stopped. /unfreeze lifts it with a signature from a wallet your account held for the security hold before now.' },
    })
    expect((await c.run(owner, '/withdraw 0.00000000000000001')).text).toBe(
      'Your account is frozen, so withdrawing is stopped; /unfreeze with a wallet your account held for the security hold before the freeze lifts it.',
    )
    expect((await c.run(owner, '/freeze')).text).toBe(
      'Your account has been frozen since 2026-12-01 10:00 UTC; /unfreeze lifts it with a signature from a wallet your account held for the security hold before then.',
    )
    const unfreeze = await c.run(owner, `/unfreeze ${alice!.address}`)
    expect(unfreeze.code).toContain('Unfreeze the Gridshare account of Telegram user @owner (id 100).')
    const done = await c.run(owner, `/verify ${await alice!.signMessage({ message: messageBetweenFrames(unfreeze.code!) })}`)
    expect(done.text).toBe('Your account is unfrozen; withdrawals wait until 2026-12-02 10:00 UTC after this change.')
    expect((await c.run(owner, '/unfreeze')).text).toBe('Your account is not frozen; nothing to unfreeze.')
  })

  test('the Approve button of a merge reaches the account being joined, and merges its rentals and settings', async () => {
    const c = chat()
    await c.k.link(owner, alice!)
    const main = c.k.accountOf(owner)
    const other = c.k.accountOf(ownerDiscord)
    await c.k.link(ownerDiscord, alice!)
    const [approve, confirmHere] = c.k.buttons('link.merge.approve')
    expect([approve!.owner, confirmHere!.owner]).toEqual([String(main), String(other)])
    expect(await c.press(ownerDiscord, approve!.id)).toEqual({ status: 'rejected', message: 'This button belongs to someone else.' })
    expect(await c.press(ownerDiscord, confirmHere!.id)).toMatchObject({ status: 'ok', reply: { text: 'Approved. The other account must approve too, by 2026-12-01 09:00 UTC.' } })
    expect(await c.press(owner, approve!.id)).toMatchObject({
      status: 'ok',
      reply: { text: `Approved: Discord user @owner (id 200) and the account of ${alice!.address} are now one account.` },
    })
    expect(await c.press(owner, approve!.id)).toEqual({ status: 'rejected', message: 'This was already answered.' })
    expect(c.k.accountOf(ownerDiscord)).toBe(main)
    expect(c.k.sqlite.prepare('select merged_into as m from accounts where id = ?').get(other)).toEqual({ m: main })
    const wallets = await c.run(ownerDiscord, '/wallet')
    expect(wallets.table).toEqual({ columns: ['address', 'linked', 'withdrawals from'], rows: [[alice!.address, '2026-11-30 09:00 UTC', '2026-12-01 09:00 UTC']] })
  })
})

describe('a frozen account cannot authorize the bot', () => {
  test('/authorize is refused while frozen', async () => {
    const h = createGovernanceHarness()
    const holder = h.holder('frozen', { main: 10 })
    h.sqlite.prepare('update accounts set frozen_at = ? where id = ?').run(h.clock.now, holder.accountId)
    expect((await holder.run('/authorize'))!.text).toBe('Your account is frozen, so /authorize is stopped; /unfreeze with a wallet your account held for the security hold before the freeze lifts it.')
  })
})
