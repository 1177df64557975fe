import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { commandRegistry } from '../../commands/registry.ts'
import { createMetrics } from '../../src/app/metrics.ts'
import type { Services } from '../../src/app/Services.ts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { CommandPipeline } from '../../src/command/CommandPipeline.ts'
import { RateLimiter } from '../../src/command/RateLimiter.ts'
import { renderPlainText } from '../../src/command/renderPlainText.ts'
import { renderTelegramReply } from '../../src/chat/telegram/renderTelegramReply.ts'
import { ProtocolParameters } from '../../src/governance/ProtocolParameters.ts'
import { BEGIN_MESSAGE, END_MESSAGE, messageBetweenFrames } from '../../src/identity/handSignedMessage.ts'
import { deployDevContracts, startTestChain, type TestChain } from '../chain/testChain.ts'
import { createSecurityKit } from './securityKit.ts'

let chain: TestChain
let dev: EnsureDevChainReturnType
const [, alice] = devAccounts(2).map((a) => privateKeyToAccount(a.privateKey))
const owner = { platform: 'telegram' as const, id: '100', name: '@owner' }
const dm = { id: 'dm', kind: 'private' as const }

beforeAll(async () => {
  chain = await startTestChain()
  dev = await deployDevContracts(chain)
})
afterAll(() => chain?.stop())

function chat(governance: Partial<Services['governance']> = {}) {
  const k = createSecurityKit(chain, dev)
  const services = { publicUrl: 'http://localhost:8787', units: k.units, ledger: k.ledger, linking: k.linking, payouts: k.payouts, params: new ProtocolParameters(k.db), governance } as unknown as Services
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
  return { k, run: async (text: string) => (await pipeline.runText(owner, dm, text))! }
}

/** The README's by-hand signer, exactly as written there, with message.txt in a temp folder. */
function readmeSigner(): { command: string; key: string } {
  const line = readFileSync('README.md', 'utf8')
    .split('\n')
    .find((l) => l.includes('wallet:sign'))!
  const command = /(npm run --silent wallet:sign -- (\S+) < message\.txt)/.exec(line)!
  return { command: command[1]!, key: command[2]! }
}

describe('signing by hand', () => {
  test('/link <address> frames the message with BEGIN/END lines and prints nothing after END', async () => {
    const c = chat()
    const reply = await c.run(`/link ${alice!.address}`)
    const message = c.k.linking.describeChallenge(reply.text!.match(/\/link\/([\w-]+)/)![1]!, alice!.address).message!
    expect(reply.code).toBe(`${BEGIN_MESSAGE}\n${message}\n${END_MESSAGE}`)
    expect(reply.buttons).toBeUndefined()
    expect(renderPlainText(reply).endsWith(`\n${message}\n${END_MESSAGE}`)).toBe(true)
    expect(messageBetweenFrames(renderPlainText(reply))).toBe(message)
    // On Telegram too the message block is the last thing, with no keyboard under it.
    const telegram = renderTelegramReply(reply)
    expect(telegram.parts.at(-1)!.endsWith(`${END_MESSAGE}</pre>`)).toBe(true)
    expect(telegram.keyboard).toBeUndefined()
  })

  test("the README's one-line signer works as written on a copy of the whole /link reply, and /verify links the wallet", async () => {
    const c = chat()
    const { command, key } = readmeSigner()
    // The full key of anvil's account 1, the demo wallet.
    expect(key).toBe(devAccounts(2)[1]!.privateKey)
    const reply = await c.run(`/link ${alice!.address}`)
    const dir = mkdtempSync(join(tmpdir(), 'gs-sign-'))
    // Saved as an editor saves it: the whole reply, a newline at the end.
    writeFileSync(join(dir, 'message.txt'), `${renderPlainText(reply)}\n`)
    const signature = execFileSync('bash', ['-c', command.replace('message.txt', join(dir, 'message.txt'))], { encoding: 'utf8' }).trim()
    expect(signature).toMatch(/^0x[0-9a-f]{130}$/)
    expect((await c.run(`/verify ${signature}`)).text).toBe(
      `Linked ${alice!.address} to Telegram user @owner (id 100); your chat has been told, and withdrawals wait 24 hours after this change.`,
    )
  }, 60_000)

  test('error: a signature over the message plus a trailing newline is refused, and nothing is linked', async () => {
    const c = chat()
    const reply = await c.run(`/link ${alice!.address}`)
    const signature = await alice!.signMessage({ message: `${messageBetweenFrames(reply.code!)}\n` })
    const refused = await c.run(`/verify ${signature}`)
    expect(refused.text).toMatch(/^The signature /)
    expect(c.k.linking.listWallets(c.k.accountOf(owner))).toEqual([])
  })

  test('/authorize without a linked wallet says to link first and asks the bot for nothing', async () => {
    const calls: number[] = []
    const c = chat({ snapshotSpace: 'gridshare.eth', authorize: (accountId: number) => (calls.push(accountId), { url: 'x', expiresAt: 0, alias: '0x0' as const }) } as never)
    expect((await c.run('/authorize')).text).toBe('Link a wallet first: /link, then /authorize; the authorization is signed by a linked wallet that holds your voting power.')
    expect(calls).toEqual([])
  })
})
