import { pino } from 'pino'
import { afterAll, beforeAll, expect, test } from 'vitest'
import delegate from '../../commands/delegate.ts'
import delegates from '../../commands/delegates.ts'
import undelegate from '../../commands/undelegate.ts'
import { createDiscordAdapter } from '../../src/chat/discord/createDiscordAdapter.ts'
import type { ChatAdapter } from '../../src/chat/ChatAdapter.ts'
import { delegations } from '../../src/db/schema/governance.ts'
import { chatIdentities } from '../../src/db/schema/identity.ts'
import { shownText } from '../chat/discord/discordPayloads.ts'
import { LocalDiscordServer, type InteractionRecord } from '../chat/discord/LocalDiscordServer.ts'
import { createGovernanceHarness, type GovernanceHarness } from './governanceHarness.ts'

const TOKEN = 'MTIzNDU2Nzg5.test-bot-token.local'
let server: LocalDiscordServer
let h: GovernanceHarness
let adapter: ChatAdapter

beforeAll(async () => {
  server = await LocalDiscordServer.start({ token: TOKEN, heartbeatIntervalMs: 250 })
  h = createGovernanceHarness({ start: Date.now(), extraCommands: [delegate, undelegate, delegates] })
  adapter = createDiscordAdapter({ pipeline: h.pipeline, db: h.db, logger: pino({ level: 'silent' }), clock: () => h.clock.now, token: TOKEN, applicationId: server.applicationId, guildId: server.guild.id, apiBase: server.apiBase })
  await adapter.start()
})

afterAll(async () => {
  await adapter?.stop()
  await server?.close()
  h?.close()
})

async function answer(interaction: InteractionRecord): Promise<string> {
  await server.waitFor(() => server.messages.get(interaction.originalId!)?.edits, 5000)
  return shownText(server.messages.get(interaction.originalId!)!)
}

test('on Discord: /delegate takes the member picked in the option (<@id>) and /delegates shows the delegate by name', async () => {
  const dora = server.user('dora')
  const fred = server.user('fred')
  expect(await answer(server.slash({ user: fred, name: 'delegates' }))).toBe('No one delegates yet. You do not delegate; /delegate @name to lend your power.')
  const reply = await answer(server.slash({ user: dora, name: 'delegate', options: [{ name: 'to', type: 3, value: `<@${fred.id}>` }] }))
  expect(reply).toBe(
    'You now delegate your voting power to @fred. It counts on proposals whose snapshot is taken from now on, when @fred votes. Voting yourself on a proposal overrides your delegate there, even after they voted. /undelegate ends it.',
  )
  const account = (id: string) => h.db.select().from(chatIdentities).all().find((i) => i.platform === 'discord' && i.platformUserId === id)!.accountId
  expect(h.db.select({ from: delegations.fromAccountId, to: delegations.toAccountId }).from(delegations).all()).toEqual([{ from: account(dora.id), to: account(fred.id) }])
  expect(await answer(server.slash({ user: dora, name: 'delegates' }))).toMatchInlineSnapshot(`
    "**Delegates**
    \`\`\`
    delegate  delegated power  delegators  participation  last votes
    @fred     0 GRID           1           —              —
    \`\`\`

    Power is the delegators' balances now; at a proposal it is taken at its snapshot block. Native proposals only. You delegate to @fred."
  `)
})
