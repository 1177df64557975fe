import { expect, test } from 'vitest'
import { pino } from 'pino'
import { createDiscordAdapter } from '../../../src/chat/discord/createDiscordAdapter.ts'
import { createTestPipeline } from '../../support/createTestPipeline.ts'
import { LocalDiscordServer } from './LocalDiscordServer.ts'
import { createTestCommands } from './testCommands.ts'

test('smoke', async () => {
  const server = await LocalDiscordServer.start({ token: 'tok-123456', heartbeatIntervalMs: 300 })
  const h = createTestPipeline({ commands: createTestCommands([]) })
  const adapter = createDiscordAdapter({ pipeline: h.pipeline, db: h.db, logger: pino({ level: 'debug' }), token: 'tok-123456', applicationId: server.applicationId, guildId: server.guild.id, apiBase: server.apiBase })
  const t0 = Date.now()
  await adapter.start()
  console.log('started in', Date.now() - t0)
  const alice = server.user('alice')
  const i = server.slash({ user: alice, name: 'secret' })
  console.log(await i.acked, i.ack)
  const d = server.slash({ user: alice, name: 'deal', where: 'dm' })
  await d.acked
  const msg = server.messages.get(d.originalId!)!
  console.log(JSON.stringify(msg))
  const p = server.press({ user: alice, message: msg, customId: (msg.components[0] as any).components[0].custom_id })
  await p.acked
  console.log(p.ack, server.messages.get(msg.id))
  console.log(server.errors)
  await adapter.stop()
  await server.close()
  expect(1).toBe(1)
})
