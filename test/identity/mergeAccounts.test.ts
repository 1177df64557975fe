import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { ACCOUNT_BALANCE_KINDS, bond, earnings, escrow, unbonding } from '../../src/ledger/balanceKeys.ts'
import { checkLedger } from '../../src/ledger/checkLedger.ts'
import { deployDevContracts, startTestChain, type TestChain } from '../chain/testChain.ts'
import { createSecurityKit, HOUR } from './securityKit.ts'

let chain: TestChain
let dev: EnsureDevChainReturnType
const [, alice, bob] = devAccounts(3).map((a) => privateKeyToAccount(a.privateKey))
const telegram = { platform: 'telegram' as const, id: '100', name: '@renter' }
const discord = { platform: 'discord' as const, id: '200', name: 'renter' }

beforeAll(async () => {
  chain = await startTestChain()
  dev = await deployDevContracts(chain)
})
afterAll(() => chain?.stop())

describe('a merge moves everything that belongs to the person', () => {
  test('rentals with their escrow, every balance kind, alerts, preferences, quiet hours, provider nodes and their history', async () => {
    const k = createSecurityKit(chain, dev)
    await k.link(telegram, alice!)
    const into = k.accountOf(telegram)
    await k.link(discord, bob!)
    const from = k.accountOf(discord)
    const db = k.sqlite
    k.fund(from, 10n)
    k.fund(from, 30n, escrow(from))
    k.fund(from, 7n, earnings(from))
    k.fund(from, 50n, bond(from))
    k.fund(from, 5n, unbonding(from))
    k.fund(into, 1n)
    db.prepare('insert into providers (id, address, created_at) values (1, ?, 1)').run(bob!.address)
    db.prepare("insert into nodes (id, provider_id, node_key, region, price_per_gpu_hour, last_heartbeat_at, registered_at) values ('n1', 1, 'k', 'eu-west', '1', 1, 1)").run()
    db.prepare(
      "insert into rentals (id, account_id, node_id, model, gpu_count, hours, price_per_gpu_hour, escrowed, status, created_at, claim_by, access_secret_sealed) values ('r1', ?, 'n1', 'H100-80GB', 1, 30, '1', '30', 'running', 1, 1, 'x')",
    ).run(from)
    db.prepare("insert into alerts (id, account_id, model, gpu_count, created_at) values ('a1', ?, 'H100-80GB', 1, 1)").run(from)
    db.prepare("insert into notification_preferences (account_id, topic, enabled) values (?, 'governance', 0), (?, 'alerts', 0), (?, 'alerts', 1)").run(from, from, into)
    db.prepare('insert into quiet_hours (account_id, start_hour, end_hour) values (?, 22, 7)').run(from)
    db.prepare('insert into unbondings (account_id, amount, requested_at, release_at) values (?, ?, 1, 2)').run(from, '5')
    db.prepare("insert into slashes (provider_id, account_id, kind, amount, reason, created_at) values (1, ?, 'failure', '1', 'test', 1)").run(from)
    db.prepare("insert into epoch_statements (epoch, provider_id, address, account_id, emission, earnings, total, leaf_index) values (1, 1, ?, ?, '1', '1', '2', 0)").run(bob!.address, from)

    k.clock.now += 2 * HOUR
    await k.link(discord, alice!)
    const [request] = k.mergeRequests()
    expect(JSON.parse(request!.awaiting)).toEqual([into, from])
    k.linking.decideMerge({ requestId: request!.id, accountId: into, approve: true })
    expect(k.linking.decideMerge({ requestId: request!.id, accountId: from, approve: true }).status).toBe('merged')

    expect(k.accountOf(discord)).toBe(into)
    expect(Object.fromEntries(ACCOUNT_BALANCE_KINDS.map((kind) => [kind(0).split(':')[2], k.ledger.balance(kind(into))]))).toEqual({
      available: 11n,
      escrow: 30n,
      earnings: 7n,
      bond: 50n,
      unbonding: 5n,
    })
    expect(ACCOUNT_BALANCE_KINDS.map((kind) => k.ledger.balance(kind(from)))).toEqual([0n, 0n, 0n, 0n, 0n])
    // /jobs reads rentals by account: the running rental is listed for the merged account.
    expect(db.prepare('select id, account_id as a from rentals').all()).toEqual([{ id: 'r1', a: into }])
    expect(db.prepare('select account_id as a from alerts').all()).toEqual([{ a: into }])
    expect(db.prepare('select account_id as a, topic, enabled from notification_preferences order by topic').all()).toEqual([
      { a: into, topic: 'alerts', enabled: 1 },
      { a: into, topic: 'governance', enabled: 0 },
    ])
    expect(db.prepare('select account_id as a, start_hour as s, end_hour as e from quiet_hours').all()).toEqual([{ a: into, s: 22, e: 7 }])
    expect(k.linking.listWallets(into).map((w) => w.address)).toEqual([alice!.address, bob!.address])
    for (const table of ['unbondings', 'slashes', 'epoch_statements']) {
      expect(db.prepare(`select distinct account_id as a from ${table}`).all()).toEqual([{ a: into }])
    }
    expect(db.prepare('select distinct account_id as a from security_events').all()).toEqual([{ a: into }])
    expect(checkLedger(k.sqlite)).toEqual([])
  })
})
