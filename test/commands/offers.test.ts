import { afterEach, describe, expect, test } from 'vitest'
import type { ChatPlace, ChatUser } from '../../src/command/CommandContext.ts'
import { renderPlainText } from '../../src/command/renderPlainText.ts'
import { createMarketHarness } from '../support/marketHarness.ts'
import { marketPipeline } from '../support/marketPipeline.ts'

const alice: ChatUser = { platform: 'telegram', id: 'alice', name: 'alice' }
const dm: ChatPlace = { id: 'alice', kind: 'private' }
const H100 = { name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559 }
const RTX = { name: 'NVIDIA GeForce RTX 4090', memoryMb: 24564 }
const COLUMNS = ['node', 'free', 'price', 'region', 'reliability', 'verified', 'speed', 'driver/CUDA', 'disk']
const VERIFIED = '2026-11-26 12:00'

let close: (() => void) | undefined
afterEach(() => close?.())

/** Four listed nodes, and three that must never show: pending, offline, unbonded. */
function setup() {
  const h = createMarketHarness()
  close = h.close
  const setNode = (nodeId: string, columns: { reliability?: number; speedBps?: number }) => {
    if (columns.reliability !== undefined) {
      h.sqlite.prepare('update nodes set reliability = ? where id = ?').run(columns.reliability, nodeId)
      h.sqlite.prepare('update node_gpus set reliability = ? where node_id = ?').run(columns.reliability, nodeId)
    }
    if (columns.speedBps !== undefined) h.sqlite.prepare('update nodes set measured_speed_bps = ? where id = ?').run(columns.speedBps, nodeId)
  }
  // A current agent: driver, CUDA and free disk reported.
  const a = h.provider(0, { gpus: [{ ...H100, count: 2, driverVersion: '550.54.15', cudaVersion: '12.4' }], pricePerGpuHour: '2', region: 'eu-west', freeDiskMb: 512_000 }).nodeId
  // An older agent: none of them.
  const b = h.provider(1, { gpus: [{ ...H100, count: 4 }], pricePerGpuHour: '1.5', region: 'us-east' }).nodeId
  const c = h.provider(2, { gpus: [{ ...RTX, count: 2, driverVersion: '560.35.03' }], pricePerGpuHour: '0.5', region: 'us-east', freeDiskMb: 900 }).nodeId
  const sim = h.provider(3, { gpus: [{ ...H100, count: 1 }], pricePerGpuHour: '3', region: 'eu-west', simulated: true }).nodeId
  setNode(a, { reliability: 0.99, speedBps: 9_800 })
  setNode(b, { reliability: 0.95, speedBps: 10_400 })
  setNode(c, { reliability: 0.9 })
  setNode(sim, { reliability: 1, speedBps: 50_000 })
  // Cheaper than all of them, and never listed: not verified, gone offline, not bonded.
  const pending = h.provider(4, { gpus: [{ ...H100, count: 8 }], pricePerGpuHour: '0.1' }, { trusted: false }).nodeId
  const offline = h.provider(5, { gpus: [{ ...H100, count: 8 }], pricePerGpuHour: '0.1' }).nodeId
  h.clock.now += 60_000
  for (const p of [a, b, c, sim, pending]) h.registry.heartbeat(h.sqlite.prepare('select address from providers join nodes on nodes.provider_id = providers.id where nodes.id = ?').pluck().get(p) as `0x${string}`, p, {})
  expect(h.registry.markOffline()).toEqual([offline])
  const unbonded = h.provider(6, { gpus: [{ ...H100, count: 8 }], pricePerGpuHour: '0.1' }, { trusted: false }).nodeId
  h.verify(unbonded)
  const pipeline = marketPipeline(h)
  const reply = async (text: string) => (await pipeline.runText(alice, dm, text))!
  const rows = {
    a: [a, '2× H100-80GB', '2', 'eu-west', '99%', VERIFIED, '98%', '550.54.15 / 12.4', '500 GB'],
    b: [b, '4× H100-80GB', '1.5', 'us-east', '95%', VERIFIED, '104%', '—', '—'],
    c: [c, '2× RTX4090-24GB', '0.5', 'us-east', '90%', VERIFIED, '—', '560.35.03 / —', '900 MB'],
    sim: [sim, '1× H100-80GB', '3', 'eu-west', '100%', VERIFIED, 'simulated', '—', '—'],
  }
  return { h, reply, rows, ids: { a, b, c, sim }, hidden: { pending, offline, unbonded } }
}

describe('/offers', () => {
  test('lists one row per listed node, cheapest first, with verification, speed, driver/CUDA and free disk', async () => {
    const { reply, rows } = setup()
    const answer = await reply('/offers')
    expect(answer.title).toBe('Offers by price (price in GRID per GPU-hour, times UTC)')
    expect(answer.table).toEqual({ columns: COLUMNS, rows: [rows.c, rows.b, rows.a, rows.sim] })
    expect(answer.text).toBe('Rent one with /rent node:<id> <hours> [count].')
  })

  test('attack: pending, offline and unbonded nodes never show, however cheap', async () => {
    const { reply, hidden, h } = setup()
    const text = renderPlainText(await reply('/offers H100 max_price:0.1'))
    expect(text).toBe('No offers match that right now. /alert tells you when capacity appears.')
    const all = renderPlainText(await reply('/offers'))
    expect(all).not.toContain(hidden.pending)
    expect(all).not.toContain(hidden.offline)
    expect(all).not.toContain(hidden.unbonded)
    expect(h.sqlite.prepare('select count(*) from nodes where listed = 0').pluck().get()).toBe(3)
  })

  test.each([
    ['sort:reliability', ['sim', 'a', 'b', 'c']],
    ['sort:speed', ['b', 'a', 'c', 'sim']],
    ['H100', ['b', 'a', 'sim']],
    ['h100 count:3', ['b']],
    ['region:US-EAST', ['c', 'b']],
    ['max_price:1.5', ['c', 'b']],
    ['min_reliability:95', ['b', 'a', 'sim']],
    ['H100 sort:speed min_reliability:96', ['a', 'sim']],
  ] as const)('/offers %s', async (args, expected) => {
    const { reply, rows } = setup()
    expect((await reply(`/offers ${args}`)).table!.rows).toEqual(expected.map((k) => rows[k]))
  })

  test('sort:speed follows a later challenge pass (speed and verified_at set together, as a verdict does)', async () => {
    const { h, reply, ids } = setup()
    const order = async () => (await reply('/offers sort:speed')).table!.rows.map((r) => r[0])
    expect(await order()).toEqual([ids.b, ids.a, ids.c, ids.sim])
    h.clock.now += 3600_000
    h.sqlite.prepare('update nodes set measured_speed_bps = 11_000, verified_at = ? where id = ?').run(h.clock.now, ids.c)
    expect(await order()).toEqual([ids.c, ids.b, ids.a, ids.sim])
    expect((await reply('/offers sort:speed')).table!.rows[0]!.slice(5, 7)).toEqual(['2026-11-26 13:01', '110%'])
  })

  test.each([{}, { model: 'H100-80GB' }, { count: 2 }, { region: 'eu-west' }, { minReliability: 0.95 }, { maxPricePerGpuHour: 2n * 10n ** 18n }, { minVramGb: 40 }])(
    'agrees with /gpus on what is available: %o',
    (query) => {
      const { h } = setup()
      const { offers, more } = h.market.offers(query, 'price', 100)
      expect(more).toBe(0)
      const byModel = new Map<string, typeof offers>()
      for (const offer of offers) byModel.set(offer.model, [...(byModel.get(offer.model) ?? []), offer])
      expect(h.market.search(query).map((g) => [g.model, g.freeGpus, g.nodes, g.minPrice, g.maxPrice])).toEqual(
        [...byModel].map(([model, list]) => [model, list.reduce((sum, o) => sum + o.free, 0), list.length, list[0]!.pricePerGpuHour, list[list.length - 1]!.pricePerGpuHour]),
      )
    },
  )

  test('past 15 rows: the cheapest 15, and how many more to narrow down', async () => {
    const { h, reply, ids } = setup()
    for (let i = 0; i < 14; i++) h.provider(10 + i, { gpus: [{ ...H100, count: 1 }], pricePerGpuHour: `1.${(10 + i).toString().padStart(2, '0')}` })
    const answer = await reply('/offers')
    expect(answer.table!.rows).toHaveLength(15)
    expect(answer.table!.rows.map((r) => r[2])).toEqual(['0.5', ...Array.from({ length: 14 }, (_, i) => String(Number(`1.${10 + i}`)))])
    expect(answer.table!.rows.map((r) => r[0])).not.toContain(ids.b)
    expect(answer.text).toBe('3 more: narrow the search (model, count, region, max_price, min_reliability).\nRent one with /rent node:<id> <hours> [count].')
  })

  test.each([
    ['sort:fastest', 'Sort should be one of price, reliability, speed, not "fastest".\nUsage: /offers [model] [count] [region] [max_price] [min_reliability] [sort]'],
    ['count:0', 'Count should be a whole number from 1 to 64, not "0".\nUsage: /offers [model] [count] [region] [max_price] [min_reliability] [sort]'],
    ['min_reliability:101', 'Min_reliability should be a whole number from 0 to 100, not "101".\nUsage: /offers [model] [count] [region] [max_price] [min_reliability] [sort]'],
    ['max_price:cheap', 'The max_price "cheap" is not a number; expected a positive amount of GRID such as 12.5.'],
    ['A999', 'Unknown GPU model "A999"; expected one of H100-80GB, RTX4090-24GB.'],
  ])('error: /offers %s is one sentence', async (args, sentence) => {
    const { reply } = setup()
    expect(renderPlainText(await reply(`/offers ${args}`))).toBe(sentence)
  })
})
