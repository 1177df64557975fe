import { afterEach, describe, expect, test } from 'vitest'
import type { Address } from 'viem'
import type { ChatUser } from '../../src/command/CommandContext.ts'
import { renderPlainText } from '../../src/command/renderPlainText.ts'
import { isActionButton, type Reply } from '../../src/command/reply.ts'
import { available, escrow } from '../../src/ledger/balanceKeys.ts'
import { createMarketHarness, TOKEN } from '../support/marketHarness.ts'
import { marketPipeline } from '../support/marketPipeline.ts'

const alice: ChatUser = { platform: 'telegram', id: 'alice', name: 'alice' }
const bob: ChatUser = { platform: 'telegram', id: 'bob', name: 'bob' }
const H100 = { name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559 }
const RTX = { name: 'NVIDIA GeForce RTX 4090', memoryMb: 24564 }
const USAGE = 'Usage: /rent [model] <hours> [count] [max_price] [region] [image] [auto_extend] [node]'

let close: (() => void) | undefined
afterEach(() => close?.())

function setup() {
  const h = createMarketHarness()
  close = h.close
  // `cheap` is what a plain /rent picks; the tests choose `pricey` by id.
  const cheap = h.provider(0, { gpus: [{ ...H100, count: 4 }], pricePerGpuHour: '1.5', region: 'us-east' })
  const pricey = h.provider(1, { gpus: [{ ...H100, count: 2 }], pricePerGpuHour: '2', region: 'eu-west' })
  const mixed = h.provider(2, { gpus: [{ ...H100, count: 1 }, { ...RTX, count: 2 }], pricePerGpuHour: '1', region: 'eu-west' })
  const aliceAccount = h.renter('alice', 100)
  const bobAccount = h.renter('bob', 100)
  const pipeline = marketPipeline(h)
  const say = async (text: string, user = alice) => (await pipeline.runText(user, { id: user.id, kind: 'private' }, text))!
  const confirm = async (quote: Reply, user = alice) => {
    const button = quote.buttons?.find((b) => b.label === 'Confirm')
    expect(button, renderPlainText(quote)).toBeDefined()
    const outcome = await pipeline.press(user, { id: user.id, kind: 'private' }, isActionButton(button!) ? button.action : '')
    return outcome.status === 'ok' ? renderPlainText(outcome.reply) : outcome.message
  }
  /** Everything a refused command must leave as it was. */
  const state = () => ({
    rentals: h.sqlite.prepare('select node_id as nodeId, account_id as accountId, model, gpu_count as gpuCount, price_per_gpu_hour as price from rentals order by created_at, id').all(),
    allocated: h.sqlite.prepare('select node_id as nodeId, model, allocated from node_gpus where allocated > 0 order by node_id, model').all(),
    alice: [h.ledger.balance(available(aliceAccount)), h.ledger.balance(escrow(aliceAccount))],
  })
  return { h, say, confirm, state, cheap, pricey, mixed, aliceAccount, bobAccount }
}

describe('/rent node:<id>', () => {
  test('quotes exactly the chosen node, not the cheapest, and Confirm rents there', async () => {
    const { h, say, confirm, state, pricey, aliceAccount } = setup()
    const quote = await say(`/rent node:${pricey.nodeId} 3 2`)
    expect(renderPlainText(quote)).toBe(
      [
        'Quote: 2× H100-80GB for 3 h',
        'This quote is valid for 2 minutes.',
        `Node: ${pricey.nodeId} (eu-west, 100% reliable)`,
        'Image: pytorch (pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime)',
        'Price: 2 GRID per GPU-hour',
        'Total: 12 GRID, held in escrow; unused time is refunded',
        'Balance after: 88 GRID',
        '[1] Confirm   [2] Cancel',
      ].join('\n'),
    )
    expect(await confirm(quote)).toMatch(/^Confirmed: rental r\w+ starting \(2× H100-80GB for 3 h, 12 GRID in escrow\)/)
    expect(state().rentals).toEqual([{ nodeId: pricey.nodeId, accountId: aliceAccount, model: 'H100-80GB', gpuCount: 2, price: (2n * TOKEN).toString() }])
    expect(state().alice).toEqual([88n * TOKEN, 12n * TOKEN])
    expect(h.invariants()).toEqual([])
  })

  test('plain words after node: are hours then count; the model of a one-model node is implied', async () => {
    const { say, pricey } = setup()
    expect((await say(`/rent node:${pricey.nodeId} 4`)).title).toBe('Quote: 1× H100-80GB for 4 h')
    expect((await say(`/rent 4 node:${pricey.nodeId} count:2`)).title).toBe('Quote: 2× H100-80GB for 4 h')
    expect((await say(`/rent node:${pricey.nodeId.toUpperCase()} 4`)).fields![0]).toEqual({ name: 'Node', value: `${pricey.nodeId} (eu-west, 100% reliable)` })
  })

  test('a node with two models needs model:, then quotes that one', async () => {
    const { say, mixed } = setup()
    expect(renderPlainText(await say(`/rent node:${mixed.nodeId} 1`))).toBe(`Node ${mixed.nodeId} offers H100-80GB, RTX4090-24GB: add model:<model> to choose one.`)
    expect((await say(`/rent node:${mixed.nodeId} 1 2 model:rtx4090`)).title).toBe('Quote: 2× RTX4090-24GB for 1 h')
  })

  test.each([
    ['more GPUs than are free', (ids: Ids) => `/rent node:${ids.pricey} 1 3`, (ids: Ids) => `Node ${ids.pricey} has 2× H100-80GB free, not 3; /offers shows what is free now.`],
    ['a model the node does not have', (ids: Ids) => `/rent node:${ids.pricey} 1 model:RTX4090`, (ids: Ids) => `Node ${ids.pricey} has no RTX4090-24GB; it offers H100-80GB.`],
    ['a price over max_price', (ids: Ids) => `/rent node:${ids.pricey} 1 max_price:1.9`, (ids: Ids) => `Node ${ids.pricey} asks 2 GRID per GPU-hour, over your max_price of 1.9 GRID.`],
    ['another region', (ids: Ids) => `/rent node:${ids.pricey} 1 region:us-east`, (ids: Ids) => `Node ${ids.pricey} is in eu-west, not us-east; leave region out when you choose a node.`],
    ['neither model nor node', () => '/rent hours:2', () => `Model is missing: expected a GPU model such as H100-80GB, or node:<id> from /offers.\n${USAGE}`],
  ])('error: %s is one sentence and changes nothing', async (_name, command, sentence) => {
    const { say, state, pricey } = setup()
    const ids = { pricey: pricey.nodeId }
    const before = state()
    expect(renderPlainText(await say(command(ids)))).toBe(sentence(ids))
    expect(state()).toEqual(before)
  })

  test('attack: pending, failed, offline, unbonded and unknown ids all get the unknown-id sentence', async () => {
    const { h, say, state } = setup()
    const pending = h.provider(3, { gpus: [{ ...H100, count: 8 }] }, { trusted: false }).nodeId
    const failed = h.provider(4, { gpus: [{ ...H100, count: 8 }] }, { trusted: false }).nodeId
    h.sqlite.prepare("update nodes set verification = 'failed', verification_failure = 'wrong answer' where id = ?").run(failed)
    h.listing.refreshNode(failed)
    const offline = h.provider(5, { gpus: [{ ...H100, count: 8 }] })
    const unbonded = h.provider(6, { gpus: [{ ...H100, count: 8 }] }, { trusted: false }).nodeId
    h.verify(unbonded)
    h.registry.deregister(offline.address, offline.nodeId)
    const before = state()
    for (const id of [pending, failed, offline.nodeId, unbonded, 'nzzzzz']) {
      expect(renderPlainText(await say(`/rent node:${id} 1`))).toBe(`No listed node is called "${id}"; /offers lists the nodes you can rent.`)
    }
    expect(h.sqlite.prepare('select count(*) from nodes where listed = 1').pluck().get()).toBe(3)
    expect(state()).toEqual(before)
  })

  test('attack: GPUs taken between quote and Confirm: refused naming the node, never moved to another node', async () => {
    const { h, say, confirm, state, pricey, cheap, bobAccount } = setup()
    const quote = await say(`/rent node:${pricey.nodeId} 1 2`)
    expect(await confirm(await say(`/rent node:${pricey.nodeId} 1 2`, bob), bob)).toMatch(/^Confirmed: /)
    const before = state()
    expect(await confirm(quote)).toBe(`Node ${pricey.nodeId} no longer has 2× H100-80GB free at the quoted price; nothing was charged. /offers shows what is free now.`)
    expect(state()).toEqual(before)
    expect(before.rentals).toEqual([{ nodeId: pricey.nodeId, accountId: bobAccount, model: 'H100-80GB', gpuCount: 2, price: (2n * TOKEN).toString() }])
    // The cheap node still had 4 free: a plain /rent would have moved there, a chosen node does not.
    expect(h.sqlite.prepare('select allocated from node_gpus where node_id = ?').pluck().get(cheap.nodeId)).toBe(0)
  })

  test('attack: the provider raises its price between quote and Confirm: refused naming the node; a cut books the quoted price', async () => {
    const { h, say, confirm, state, pricey } = setup()
    const reprice = (price: string) =>
      h.registry.register(pricey.address as Address, { nodeKey: 'node-1', gpus: [{ ...H100, count: 2 }], pricePerGpuHour: price, region: 'eu-west' })
    const quote = await say(`/rent node:${pricey.nodeId} 1`)
    reprice('2.5')
    const before = state()
    expect(await confirm(quote)).toBe(`Node ${pricey.nodeId} no longer has 1× H100-80GB free at the quoted price; nothing was charged. /offers shows what is free now.`)
    expect(state()).toEqual(before)
    const again = await say(`/rent node:${pricey.nodeId} 1`)
    reprice('1')
    expect(await confirm(again)).toMatch(/^Confirmed: rental r\w+ starting \(1× H100-80GB for 1 h, 2\.5 GRID in escrow\)/)
  })

  test('the node went offline between quote and Confirm: refused naming it', async () => {
    const { h, say, confirm, state, pricey } = setup()
    const quote = await say(`/rent node:${pricey.nodeId} 1`)
    h.registry.deregister(pricey.address as Address, pricey.nodeId)
    const before = state()
    expect(await confirm(quote)).toBe(`Node ${pricey.nodeId} no longer has 1× H100-80GB free at the quoted price; nothing was charged. /offers shows what is free now.`)
    expect(state()).toEqual(before)
  })
})

type Ids = { pricey: string }
