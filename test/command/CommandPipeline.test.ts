import { describe, expect, test } from 'vitest'
import { defineCommand } from '../../src/command/defineCommand.ts'
import { opt } from '../../src/command/options.ts'
import type { ChatPlace, ChatUser } from '../../src/command/CommandContext.ts'
import { commandRegistry } from '../../commands/registry.ts'
import { UserError } from '../../src/errors/AppError.ts'
import { createTestPipeline } from '../support/createTestPipeline.ts'

const alice: ChatUser = { platform: 'telegram', id: '1', name: 'alice' }
const bob: ChatUser = { platform: 'telegram', id: '2', name: 'bob' }
const dm: ChatPlace = { id: '1', kind: 'private' }

const order = defineCommand({
  name: 'order',
  description: 'Order something with a confirmation',
  options: { item: opt.string({ description: 'What to order', required: true }) },
  private: true,
  run({ item }, ctx) {
    return {
      text: `Order ${item}?`,
      buttons: [
        { label: 'Confirm', action: ctx.action('order.confirm', { item }, { ttlMs: 60_000 }) },
        { label: 'Cancel', action: ctx.action('order.cancel', { item }) },
      ],
    }
  },
  actions: {
    'order.confirm': (payload: { item: string }) => {
      if (payload.item === 'gold') throw new UserError('Gold is out of stock.')
      return { text: `Ordered ${payload.item}.` }
    },
    'order.cancel': () => ({ text: 'Cancelled.' }),
  },
})

const crash = defineCommand({
  name: 'crash',
  description: 'Fails unexpectedly',
  options: {},
  run() {
    throw new Error('database exploded at /secret/path')
  },
})

const refuse = defineCommand({
  name: 'refuse',
  description: 'Fails with a user error',
  options: {},
  run() {
    throw new UserError('You cannot do that yet.')
  },
})

const boss = defineCommand({ name: 'boss', description: 'Admins only', options: {}, adminOnly: true, run: () => ({ text: 'yes boss' }) })

function setup(options: Parameters<typeof createTestPipeline>[0] = {}) {
  return createTestPipeline({ commands: [...commandRegistry, order, crash, refuse, boss], ...options })
}

describe('CommandPipeline', () => {
  test('/help lists every command with its description', async () => {
    const { pipeline } = setup()
    const reply = await pipeline.runText(alice, dm, '/help')
    expect(reply?.text).toContain('/help — List the commands, or show how to use one')
    expect(reply?.text).toContain('/order — Order something with a confirmation')
    expect(reply?.text).not.toContain('/boss')
  })

  test('/help <command> shows usage, options and examples', async () => {
    const { pipeline } = setup()
    const reply = await pipeline.runText(alice, dm, '/help help')
    expect(reply).toMatchObject({ title: '/help — List the commands, or show how to use one', text: 'Usage: /help [command]' })
    expect(reply?.fields).toEqual([
      { name: 'Options', value: 'command (optional): A command name, e.g. rent' },
      { name: 'Examples', value: '/help\n/help rent' },
    ])
  })

  test('unknown command suggests the closest one', async () => {
    const { pipeline } = setup()
    expect((await pipeline.runText(alice, dm, '/ordr pizza'))?.text).toBe('Unknown command /ordr — did you mean /order? Type /help for the list.')
    expect((await pipeline.runText(alice, dm, '/zzzzzz'))?.text).toBe('Unknown command /zzzzzz. Type /help for the list.')
  })

  test('text that is not a command is left alone', async () => {
    const { pipeline } = setup()
    expect(await pipeline.runText(alice, dm, 'hello there')).toBeUndefined()
  })

  test('/cmd@BotName is accepted', async () => {
    const { pipeline } = setup()
    expect((await pipeline.runText(alice, dm, '/order@GridshareBot tea'))?.text).toBe('Order tea?')
  })

  test('a confirmed button runs its action once and spends its sibling', async () => {
    const { pipeline } = setup()
    const reply = await pipeline.runText(alice, dm, '/order tea')
    expect(reply?.private).toBe(true)
    const [confirm, cancel] = reply!.buttons!.map((b) => ('action' in b ? b.action : ''))
    expect(confirm!.length).toBeLessThanOrEqual(64)
    expect(await pipeline.press(alice, dm, confirm!)).toEqual({ status: 'ok', reply: { private: true, text: 'Ordered tea.' } })
    expect(await pipeline.press(alice, dm, confirm!)).toEqual({ status: 'rejected', message: 'This was already answered.' })
    expect(await pipeline.press(alice, dm, cancel!)).toEqual({ status: 'rejected', message: 'This was already answered.' })
  })

  test('error: a foreign press changes nothing', async () => {
    const { pipeline } = setup()
    const reply = await pipeline.runText(alice, dm, '/order tea')
    const confirm = 'action' in reply!.buttons![0]! ? reply!.buttons![0]!.action : ''
    expect(await pipeline.press(bob, dm, confirm)).toEqual({ status: 'rejected', message: 'This button belongs to someone else.' })
    expect(await pipeline.press(alice, dm, confirm)).toMatchObject({ status: 'ok', reply: { text: 'Ordered tea.' } })
  })

  test('error: an expired press changes nothing', async () => {
    let now = 1_000_000
    const { pipeline } = setup({ clock: () => now })
    const reply = await pipeline.runText(alice, dm, '/order tea')
    const confirm = 'action' in reply!.buttons![0]! ? reply!.buttons![0]!.action : ''
    now += 60_001
    expect(await pipeline.press(alice, dm, confirm)).toEqual({ status: 'rejected', message: 'This button expired. Run the command again.' })
  })

  test('error: a press that fails is told to the presser alone, as a rejection', async () => {
    const { pipeline } = setup()
    const reply = await pipeline.runText(alice, dm, '/order gold')
    const confirm = 'action' in reply!.buttons![0]! ? reply!.buttons![0]!.action : ''
    expect(await pipeline.press(alice, dm, confirm)).toEqual({ status: 'rejected', message: 'Gold is out of stock.' })
  })

  test('error: an unknown button id', async () => {
    const { pipeline } = setup()
    expect(await pipeline.press(alice, dm, 'nope')).toEqual({ status: 'rejected', message: 'This button is no longer valid.' })
  })

  test('rate limit answers "slow down" and recovers with time', async () => {
    let now = 0
    const { pipeline } = setup({ clock: () => now, rateLimit: { burst: 2, perSecond: 1 } })
    expect((await pipeline.runText(alice, dm, '/help'))?.title).toBe('Gridshare commands')
    expect((await pipeline.runText(alice, dm, '/help'))?.title).toBe('Gridshare commands')
    expect((await pipeline.runText(alice, dm, '/help'))?.text).toBe('Slow down: you can send another command in 1 s.')
    expect((await pipeline.runText(bob, dm, '/help'))?.title).toBe('Gridshare commands')
    now += 1000
    expect((await pipeline.runText(alice, dm, '/help'))?.title).toBe('Gridshare commands')
  })

  test('error boundary: an unexpected error shows a ref, never the error', async () => {
    const { pipeline, metrics } = setup()
    const reply = await pipeline.runText(alice, dm, '/crash')
    expect(reply?.text).toMatch(/^Something went wrong \(ref [0-9a-f]{6}\)\./)
    expect(reply?.text).not.toMatch(/exploded|secret|at .*\.ts/)
    expect(await metrics.registry.getSingleMetricAsString('gridshare_commands_total')).toContain(
      'gridshare_commands_total{command="crash",platform="telegram",outcome="error"} 1',
    )
  })

  test('a user error is answered with its message', async () => {
    const { pipeline } = setup()
    expect((await pipeline.runText(alice, dm, '/refuse'))?.text).toBe('You cannot do that yet.')
  })

  test('admin-only commands refuse others and admit configured admins', async () => {
    const { pipeline } = setup({ adminIds: ['telegram:2'] })
    expect((await pipeline.runText(alice, dm, '/boss'))?.text).toBe('Only admins can use /boss.')
    expect((await pipeline.runText(bob, dm, '/boss'))?.text).toBe('yes boss')
  })

  test('the same person on two platforms is two identities until linked', async () => {
    const { pipeline, sqlite } = setup()
    await pipeline.runText(alice, dm, '/help')
    await pipeline.runText({ ...alice, platform: 'discord' }, dm, '/help')
    await pipeline.runText(alice, dm, '/help')
    expect(sqlite.prepare('select platform, platform_user_id from chat_identities order by id').all()).toEqual([
      { platform: 'telegram', platform_user_id: '1' },
      { platform: 'discord', platform_user_id: '1' },
    ])
  })

  test('autocomplete filters a source by the typed prefix', async () => {
    const { pipeline } = setup({ autocomplete: { commands: () => ['help', 'order', 'rent'] } })
    expect(await pipeline.autocomplete(alice, dm, 'help', 'command', 'R')).toEqual(['order', 'rent'])
  })
})
