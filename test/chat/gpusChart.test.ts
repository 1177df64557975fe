import { PassThrough } from 'node:stream'
import { pino } from 'pino'
import { afterEach, describe, expect, test } from 'vitest'
import { ConsoleAdapter } from '../../src/chat/console/ConsoleAdapter.ts'
import { createDiscordAdapter } from '../../src/chat/discord/createDiscordAdapter.ts'
import { createTelegramAdapter } from '../../src/chat/telegram/createTelegramAdapter.ts'
import { createMarketHarness } from '../support/marketHarness.ts'
import { shownText } from './discord/discordPayloads.ts'
import { LocalDiscordServer } from './discord/LocalDiscordServer.ts'
import { LocalBotApi } from './telegram/LocalBotApi.ts'
import { FAST_LIMITS } from './telegram/startTelegramTest.ts'
import { marketPipeline } from '../support/marketPipeline.ts'

const H100 = { name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559 }
const PUBLIC = 'https://grid.example.org'
const LOOPBACK = 'http://localhost:8787'
const CHART = '/charts/availability.png?model=H100-80GB&days=7'
const TITLE = 'Available GPUs (price in GRID per GPU-hour)'
const TABLE = ['model      free  nodes  price  regions  reliability', 'H100-80GB  2     1      2      eu-west  100%'].join('\n')
const CAPTION = 'Rent with /rent <model> <hours> [count].'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** The real /gpus over a real market with one listed H100 node; PUBLIC_URL as given. */
function gpusPipeline(publicUrl: string) {
  const h = createMarketHarness()
  cleanups.push(h.close)
  h.provider(0, { gpus: [{ ...H100, count: 2 }], pricePerGpuHour: '2', region: 'eu-west' })
  const pipeline = marketPipeline(h, { publicUrl })
  return { h, pipeline }
}

async function startTelegram(publicUrl: string) {
  const { h, pipeline } = gpusPipeline(publicUrl)
  const api = await LocalBotApi.start()
  const adapter = createTelegramAdapter({ pipeline, db: h.db, logger: pino({ level: 'silent' }), token: api.token, apiRoot: api.apiRoot, limits: FAST_LIMITS })
  await adapter.start()
  cleanups.push(async () => {
    await adapter.stop()
    await api.close()
  })
  return { api, adapter }
}

async function startDiscord(publicUrl: string) {
  const { h, pipeline } = gpusPipeline(publicUrl)
  const token = 'MTIzNDU2Nzg5.test-bot-token.local'
  const server = await LocalDiscordServer.start({ token, heartbeatIntervalMs: 250 })
  const adapter = createDiscordAdapter({ pipeline, db: h.db, logger: pino({ level: 'silent' }), clock: () => h.clock.now, token, applicationId: server.applicationId, guildId: server.guild.id, apiBase: server.apiBase })
  await adapter.start()
  cleanups.push(async () => {
    await adapter.stop()
    await server.close()
  })
  return { server, adapter }
}

test('console: /gpus prints the table and the chart URL', async () => {
  const { pipeline } = gpusPipeline(LOOPBACK)
  const input = new PassThrough()
  const output = new PassThrough()
  let printed = ''
  output.on('data', (chunk) => (printed += chunk))
  const done = new ConsoleAdapter({ pipeline, input, output, interactive: false }).run()
  input.end('/gpus\n')
  await done
  expect(printed).toBe(`${TITLE}\n${TABLE}\n${CAPTION}\nChart: ${LOOPBACK}${CHART}\n\n`)
})

describe('Telegram', () => {
  test('/gpus with a public PUBLIC_URL: one photo by URL, the whole answer as its caption', async () => {
    const { api } = await startTelegram(PUBLIC)
    const ann = api.user(1001, 'Ann')
    api.sendText(ann, '/gpus')
    const photo = (await api.nextMessage(1001)) as unknown as { caption: string; photoUrl: string }
    expect(photo.photoUrl).toBe(`${PUBLIC}${CHART}`)
    expect(photo.caption).toBe(`${TITLE}\n${CAPTION}\n${TABLE}`)
    const call = api.callsOf('sendPhoto', 1001)[0]!
    expect(call.payload).toMatchObject({ photo: `${PUBLIC}${CHART}`, parse_mode: 'HTML' })
    expect(call.payload.caption).toContain('<pre>')
    expect(api.callsOf('sendMessage', 1001)).toEqual([])
  })

  test('/gpus with a loopback PUBLIC_URL: no photo (Telegram could not fetch it), the chart as a link line', async () => {
    const { api } = await startTelegram(LOOPBACK)
    const ann = api.user(1002, 'Ann')
    api.sendText(ann, '/gpus')
    const message = await api.nextMessage(1002)
    expect(message.text).toBe(`${TITLE}\n${CAPTION}\n\nChart: ${LOOPBACK}${CHART}\n${TABLE}`)
    expect(message.text).toContain(`Chart: ${LOOPBACK}${CHART}`)
    expect(api.callsOf('sendPhoto')).toEqual([])
  })

  test('the local server refuses a photo URL Telegram could not fetch, as Telegram does', async () => {
    const { api } = await startTelegram(PUBLIC)
    api.user(1003, 'Ann')
    const response = await fetch(`${api.apiRoot}/bot${api.token}/sendPhoto`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: 1003, photo: `${LOOPBACK}${CHART}` }),
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ ok: false, error_code: 400, description: 'Bad Request: wrong HTTP URL specified' })
  })

  test('a reply too long for a caption: the photo first (captioned with its alt text), then the text with the buttons under it', async () => {
    const { api, adapter } = await startTelegram(PUBLIC)
    api.user(1004, 'Ann')
    const text = Array.from({ length: 30 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n')
    await adapter.sendPrivate('1004', { text, image: { url: `${PUBLIC}/charts/earnings.png?address=0xabc`, alt: 'Earnings by epoch' }, buttons: [{ label: 'Statements', url: `${PUBLIC}/epochs` }] })
    const photo = (await api.nextMessage(1004)) as unknown as { caption: string; photoUrl: string; reply_markup?: unknown }
    expect(photo).toMatchObject({ caption: 'Earnings by epoch', photoUrl: `${PUBLIC}/charts/earnings.png?address=0xabc` })
    expect(photo.reply_markup).toBeUndefined()
    const message = await api.nextMessage(1004)
    expect(message.text).toBe(text)
    expect(message.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Statements', url: `${PUBLIC}/epochs` }]] })
  })

  test('a live reply (a proposal card): photo first, the card as text last, so its later edits still work', async () => {
    const { api, adapter } = await startTelegram(PUBLIC)
    const group = api.group(-100555, 'DAO')
    await adapter.sendToChannel(String(group.id), { title: 'Proposal p1', text: 'Tally: none yet', live: { proposalId: 'p1' }, image: { url: `${PUBLIC}/charts/proposal.png?id=p1`, alt: 'Votes on p1 by choice' } })
    const photo = (await api.nextMessage(group.id)) as unknown as { caption: string }
    expect(photo.caption).toBe('Votes on p1 by choice')
    const card = await api.nextMessage(group.id)
    expect(card.text).toBe('Proposal p1\nTally: none yet')
    await adapter.editMessage(String(group.id), String(card.message_id), { title: 'Proposal p1', text: 'Tally: For 1', live: { proposalId: 'p1' }, image: { url: `${PUBLIC}/charts/proposal.png?id=p1`, alt: 'Votes on p1 by choice' } })
    expect(api.messageNow(card)!.text).toBe('Proposal p1\nTally: For 1')
  })
})

describe('Discord', () => {
  test('/gpus with a public PUBLIC_URL: an information embed with the table in its description and the chart as its image', async () => {
    const { server } = await startDiscord(PUBLIC)
    const interaction = server.slash({ user: server.user('renter'), name: 'gpus' })
    await interaction.acked
    const message = server.messages.get(interaction.originalId!)!
    expect(message.content).toBe('')
    expect(message.embeds).toEqual([
      { color: 0x5865f2, title: TITLE, description: '```\n' + TABLE + '\n```\n\nRent with /rent \\<model\\> \\<hours\\> \\[count\\].', image: { url: `${PUBLIC}${CHART}` } },
    ])
  })

  test('/gpus with a loopback PUBLIC_URL: the chart as a link in the embed (Discord could not fetch it)', async () => {
    const { server } = await startDiscord(LOOPBACK)
    const interaction = server.slash({ user: server.user('renter'), name: 'gpus' })
    await interaction.acked
    const message = server.messages.get(interaction.originalId!)!
    expect(message.embeds[0]!.image).toBeUndefined()
    expect(shownText(message)).toBe(`**${TITLE}**\n\`\`\`\n${TABLE}\n\`\`\`\n\nRent with /rent \\<model\\> \\<hours\\> \\[count\\].\n\nChart: ${LOOPBACK}${CHART}`)
  })

  test('an error from the pipeline is a red embed', async () => {
    const { server } = await startDiscord(PUBLIC)
    const interaction = server.slash({ user: server.user('renter'), name: 'gpus', options: [{ name: 'min_reliability', type: 4, value: 101 }] })
    await interaction.acked
    const [embed] = server.messages.get(interaction.originalId!)!.embeds
    expect(embed).toEqual({
      color: 0xed4245,
      description: 'Min\\_reliability should be a whole number from 0 to 100, not "101".\nUsage: /gpus \\[model\\] \\[count\\] \\[min\\_vram\\] \\[max\\_price\\] \\[region\\] \\[min\\_reliability\\]',
    })
    // Errors are answered only to the person who asked.
    expect(server.messages.get(interaction.originalId!)!.flags).toBe(64)
  })
})
