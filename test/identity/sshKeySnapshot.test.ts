import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { mergeAccounts } from '../../src/identity/mergeAccounts.ts'
import { SshKeys } from '../../src/identity/SshKeys.ts'
import { createMarketHarness } from '../support/marketHarness.ts'
import { marketPipeline } from '../support/marketPipeline.ts'
import { SSH_KEYS } from './sshKeyFixtures.ts'

const chat = { id: 'dm', kind: 'private' as const }
const alice = { platform: 'telegram' as const, id: 'alice', name: 'alice' }
const OWNER = SSH_KEYS.ed25519
const THIEF = SSH_KEYS.ecdsa256

function setUp() {
  const h = createMarketHarness()
  const sshKeys = new SshKeys({ db: h.db, clock: () => h.clock.now })
  const pipeline = marketPipeline(h, { sshKeys })
  const say = async (text: string) => (await pipeline.runText(alice, chat, text))!.text
  const renter = h.renter('alice', 100)
  const provider = h.provider(1)
  const confirm = () => {
    const quote = h.rentals.quote({ accountId: renter, model: 'H100-80GB', hours: 2, gpuCount: 1 })
    return h.rentals.confirm({ accountId: renter, quote: { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() } })
  }
  /** The orders the node's agent gets at its next heartbeat: new ones and those it runs (and relaunches from). */
  const orders = (node = provider) => {
    h.clock.now += 1000
    const { start, active } = h.registry.heartbeat(node.address, node.nodeId, {})
    return Object.fromEntries([...start, ...active].map((o) => [o.id, o.sshPublicKeys]))
  }
  const running = (id: string, node = provider) => {
    h.rentals.claim(node.address, id)
    h.rentals.reportRunning(node.address, id, { host: 'gpu7.example.org', port: '40022', user: 'gridshare', protocol: 'ssh' })
  }
  return { h, sshKeys, say, renter, provider, confirm, orders, running }
}

test('attack: a key added from a stolen chat account never reaches a rental confirmed before, not even when the agent relaunches it', async () => {
  const t = setUp()
  await t.say(`/sshkey add ${OWNER.line}`)
  const rental = t.confirm()
  t.running(rental.id)
  expect(await t.say(`/sshkey add ${THIEF.line}`)).toBe(
    `Added SSH key 2: ${THIEF.fingerprint} (ec256). Rentals you confirm from now on let it in; the ones you have now keep the keys they were confirmed with. /sshkey list shows your keys.`,
  )
  expect(t.orders()).toEqual({ [rental.id]: [OWNER.line] })
  // The agent restarted and relaunches from its order: still only the owner's key.
  t.h.rentals.reportRunning(t.provider.address, rental.id, { host: 'gpu7.example.org', port: '40023', user: 'gridshare', protocol: 'ssh' })
  expect(t.orders()).toEqual({ [rental.id]: [OWNER.line] })
})

test('a key added before a rental is confirmed reaches it; one added between confirm and start does not', async () => {
  const t = setUp()
  await t.say(`/sshkey add ${OWNER.line}`)
  const pending = t.confirm()
  await t.say(`/sshkey add ${THIEF.line}`)
  const later = t.confirm()
  expect(t.orders()).toEqual({ [pending.id]: [OWNER.line], [later.id]: [OWNER.line, THIEF.line] })
})

test('a key removed reaches no rental from its next delivery, running ones included', async () => {
  const t = setUp()
  await t.say(`/sshkey add ${OWNER.line}`)
  await t.say(`/sshkey add ${THIEF.line}`)
  const rental = t.confirm()
  t.running(rental.id)
  expect(t.orders()).toEqual({ [rental.id]: [OWNER.line, THIEF.line] })
  expect(await t.say('/sshkey delete 2')).toBe(
    `Removed SSH key ${THIEF.fingerprint} (ec256). No rental lets it in from its next start or restart; a workload running now keeps it until then.`,
  )
  expect(t.orders()).toEqual({ [rental.id]: [OWNER.line] })
  expect(t.sshKeys.authorizedKeys(t.renter)).toEqual([OWNER.line])
})

test('a rental confirmed with no keys gets none, whatever is added later', async () => {
  const t = setUp()
  const rental = t.confirm()
  t.running(rental.id)
  await t.say(`/sshkey add ${THIEF.line}`)
  expect(t.orders()).toEqual({ [rental.id]: [] })
})

test("attack: a rental moved off a failed node carries its predecessor's keys, not one added since", async () => {
  const t = setUp()
  await t.say(`/sshkey add ${OWNER.line}`)
  const rental = t.confirm()
  t.running(rental.id)
  await t.say(`/sshkey add ${THIEF.line}`)
  const second = t.h.provider(2)
  t.h.sqlite.prepare('update nodes set online = 0 where id = ?').run(t.provider.nodeId)
  t.h.rentals.handleNodeOffline(t.provider.nodeId)
  const replacement = t.h.sqlite.prepare('select id, ssh_key_fingerprints as keys from rentals where replaces_id = ?').get(rental.id) as { id: string; keys: string }
  expect(JSON.parse(replacement.keys)).toEqual([OWNER.fingerprint])
  expect(t.orders(second)).toEqual({ [replacement.id]: [OWNER.line] })
})

test('keys follow a merge: a rental of the merged account still gets a key both accounts held', async () => {
  const t = setUp()
  await t.say(`/sshkey add ${OWNER.line}`)
  const rental = t.confirm()
  const other = t.h.renter('alice-discord', 0)
  t.sshKeys.add(other, OWNER.line)
  t.h.db.transaction((tx) => mergeAccounts(tx, t.h.ledger, { from: t.renter, into: other, now: t.h.clock.now }))
  expect(t.h.sqlite.prepare('select count(*) as n from ssh_keys').get()).toEqual({ n: 1 })
  expect(t.orders()).toEqual({ [rental.id]: [OWNER.line] })
})

test('the upgrade gives rentals active at that moment the keys their account has then, so they keep working', async () => {
  const t = setUp()
  await t.say(`/sshkey add ${OWNER.line}`)
  const active = t.confirm()
  const ended = t.confirm()
  t.h.rentals.stop({ accountId: t.renter, id: ended.id })
  t.h.sqlite.prepare('update rentals set ssh_key_fingerprints = null').run()
  const migration = readFileSync(new URL('../../drizzle/0024_rental_ssh_key_snapshot.sql', import.meta.url), 'utf8')
  t.h.sqlite.exec(migration.split('--> statement-breakpoint')[1]!)
  expect(t.h.sqlite.prepare('select id, ssh_key_fingerprints as keys from rentals order by id = ?').all(active.id)).toEqual([
    { id: ended.id, keys: null },
    { id: active.id, keys: JSON.stringify([OWNER.fingerprint]) },
  ])
  expect(t.orders()).toEqual({ [active.id]: [OWNER.line] })
})
