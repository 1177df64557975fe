import { afterEach, describe, expect, test } from 'vitest'
import { PayoutSender, type PayoutSenderDeps } from '../../src/chain/PayoutSender.ts'
import type { ChatPlace, ChatUser } from '../../src/command/CommandContext.ts'
import { renderPlainText } from '../../src/command/renderPlainText.ts'
import { isActionButton } from '../../src/command/reply.ts'
import { createMarketHarness } from '../support/marketHarness.ts'
import { marketPipeline } from '../support/marketPipeline.ts'

const alice: ChatUser = { platform: 'telegram', id: 'alice', name: 'alice' }
const dm: ChatPlace = { id: 'alice', kind: 'private' }

let close: (() => void) | undefined
afterEach(() => close?.())

/** The real commands over a real market on SQLite with the migrations applied. */
function setup({ h100Price = '2' } = {}) {
  const h = createMarketHarness()
  close = h.close
  const h100 = h.provider(0, { pricePerGpuHour: h100Price })
  h.provider(1, { gpus: [{ name: 'NVIDIA GeForce RTX 4090', memoryMb: 24564, count: 2 }], pricePerGpuHour: '0.5', region: 'us-east' })
  // Only requestWithdrawal is reached, and it needs only the database and the ledger.
  const payouts = new PayoutSender({ db: h.db, ledger: h.ledger, units: h.units, clock: () => h.clock.now } as unknown as PayoutSenderDeps)
  const pipeline = marketPipeline(h, { payouts, publicUrl: 'http://localhost:8787' })
  const run = async (text: string) => {
    const reply = await pipeline.runText(alice, dm, text)
    return reply === undefined ? undefined : renderPlainText(reply)
  }
  /** Everything a command could change. */
  const state = () =>
    h.sqlite
      .prepare(
        'select (select count(*) from rentals) as rentals, (select count(*) from ledger_entries) as entries, (select count(*) from payouts) as payouts, (select sum(allocated) from node_gpus) as allocated',
      )
      .get()
  return { h, pipeline, run, state, h100 }
}

describe('amounts read as people read them; the exact value stays available', () => {
  test('a quote, a stop and /balance round to 6 decimals with ≈; /balance exact and /job <id> keep every decimal', async () => {
    const { h, pipeline, run, h100 } = setup({ h100Price: '2.5' })
    const accountId = h.renter('alice', 45)
    h.fund(accountId, 1n) // 45.000000000000000001 GRID
    const quote = (await pipeline.runText(alice, dm, '/rent H100 1'))!
    expect(renderPlainText(quote)).toBe(
      [
        'Quote: 1× H100-80GB for 1 h',
        'This quote is valid for 2 minutes.',
        `Node: ${h100.nodeId} (eu-west, 100% reliable)`,
        'Image: pytorch (pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime)',
        'Price: 2.5 GRID per GPU-hour',
        'Total: 2.5 GRID, held in escrow; unused time is refunded',
        'Balance after: ≈ 42.5 GRID',
        '[1] Confirm   [2] Cancel',
      ].join('\n'),
    )
    const confirm = quote.buttons!.find((b) => b.label === 'Confirm')!
    const outcome = await pipeline.press(alice, dm, isActionButton(confirm) ? confirm.action : '')
    const confirmed = outcome.status === 'ok' ? outcome.reply.text! : ''
    const id = /rental (\w+) starting/.exec(confirmed)![1]!
    h.rentals.claim(h100.address, id)
    h.rentals.reportRunning(h100.address, id, { ssh: 'ssh -p 2222 root@node' })
    h.clock.now += 60_000 // one minute of 2.5 GRID an hour: 0.041666… GRID

    expect(await run(`/stop ${id}`)).toBe(`Stopped ${id} after 1 min used: ≈ 0.041667 GRID charged, ≈ 2.458333 GRID refunded to your balance.`)
    expect(await run('/balance')).toBe('Your balance\nAvailable: ≈ 44.958333 GRID\nIn escrow: 0 GRID')
    expect(await run('/balance exact')).toBe('Your balance (exact)\nAvailable: 44.958333333333333335 GRID\nIn escrow: 0 GRID')
    // The time used, not the hour paid for.
    expect(await run(`/job ${id}`)).toContain('\nPrice: 2.5 GRID per GPU-hour\nStarted: ')
    expect(await run(`/job ${id}`)).toContain('\nUsed: 1 min of the 1 h paid (billed per started minute)\nSettled: 0.041666666666666666 GRID charged, 2.458333333333333334 GRID refunded')
    // Showing never changes what is stored.
    expect(h.ledger.balancesOf(accountId)).toEqual({ available: 44_958_333_333_333_333_335n, escrow: 0n })
  })

  test("a failure reason that ends with a period is not given a second one", async () => {
    const { h, pipeline, h100 } = setup({ h100Price: '2.5' })
    h.renter('alice', 45)
    const quote = (await pipeline.runText(alice, dm, '/rent H100 1'))!
    const confirm = quote.buttons!.find((b) => b.label === 'Confirm')!
    const outcome = await pipeline.press(alice, dm, isActionButton(confirm) ? confirm.action : '')
    const id = /rental (\w+) starting/.exec(outcome.status === 'ok' ? outcome.reply.text! : '')![1]!
    h.rentals.claim(h100.address, id)
    h.rentals.reportRunning(h100.address, id, { ssh: 'ssh -p 2222 root@node' })
    h.clock.now += 60_000
    h.rentals.reportFinished(h100.address, id, 'failed', "The provider stopped the node agent before the rental's end.")
    const note = h.sqlite.prepare("select reply from notifications where dedupe_key = ?").get(`rental.ended:${id}`) as { reply: string }
    expect(JSON.parse(note.reply).text).toBe(
      "1× H100-80GB: 1 min billed, ≈ 0.041667 GRID charged, ≈ 2.458333 GRID refunded. Reason: The provider stopped the node agent before the rental's end.",
    )
  })
})

describe('options that answer well', () => {
  test('error: a name:value that is not an option names the option, lists the real ones and suggests the closest; nothing changes', async () => {
    const { h, run, state } = setup()
    h.renter('alice', 45)
    const before = state()
    expect(await run('/rent H100 1 price:2')).toBe(
      'price is not an option of /rent; did you mean max_price? Its options are model, hours, count, max_price, region, image, auto_extend, node.',
    )
    expect(await run('/gpus cuont:2')).toBe(
      'cuont is not an option of /gpus; did you mean count? Its options are model, count, min_vram, max_price, region, min_reliability.',
    )
    expect(await run('/gpus colour:red')).toBe('colour is not an option of /gpus. Its options are model, count, min_vram, max_price, region, min_reliability.')
    expect(await run('/jobs sort:new')).toBe('sort is not an option of /jobs. It takes no options.')
    expect(state()).toEqual(before)
  })

  test('a model written with a space is one model; a count after a one-word model stays the count', async () => {
    const { run } = setup()
    expect(await run('/gpus RTX 4090')).toBe(
      [
        'Available GPUs (price in GRID per GPU-hour)',
        'model         free  nodes  price  regions  reliability',
        'RTX4090-24GB  2     1      0.5    us-east  100%',
        'Rent with /rent <model> <hours> [count].',
        'Chart: http://localhost:8787/charts/availability.png?model=RTX4090-24GB&days=7',
      ].join('\n'),
    )
    expect(await run('/rent RTX 4090 2')).toMatch(/^Quote: 1× RTX4090-24GB for 2 h\n/)
    expect(await run('/gpus H100 2')).toBe(
      [
        'Available GPUs (price in GRID per GPU-hour)',
        'model      free  nodes  price  regions  reliability',
        'H100-80GB  2     1      2      eu-west  100%',
        'Rent with /rent <model> <hours> [count].',
        'Chart: http://localhost:8787/charts/availability.png?model=H100-80GB&days=7',
      ].join('\n'),
    )
    expect(await run('/gpus H100 3')).toBe('No capacity matches that right now. /alert tells you when some appears.')
  })

  test('/withdraw takes the token symbol after the amount', async () => {
    const { run, state } = setup()
    const before = state()
    // The amount was read (12.5 GRID), and "GRID" did not land in the wallet option: the next check is the wallet.
    expect(await run('/withdraw 12.5 GRID')).toBe('You have no linked wallet to withdraw to; use /link first.')
    expect(await run('/withdraw 12.5 grid')).toBe('You have no linked wallet to withdraw to; use /link first.')
    expect(await run('/withdraw 12.5 ETH')).toBe('"ETH" is not a wallet address; expected 0x followed by 40 hex digits.')
    expect(state()).toEqual(before)
  })

  test('error: /vote with the choice first says the order', async () => {
    const { run } = setup()
    expect(await run('/vote For p1')).toBe('The proposal id comes first, then your choice: /vote p1 For.')
    expect(await run('/vote 2 s-1a2b3c')).toBe('The proposal id comes first, then your choice: /vote s-1a2b3c 2.')
  })

  test('error: a 10 KB argument is echoed clipped to 60 characters, in every error', async () => {
    const { run } = setup()
    const y = 'y'.repeat(10_000)
    expect(await run(`/rent H100 ${y}`)).toBe(
      `Hours should be a whole number from 1 to 720, not "${'y'.repeat(59)}…".\nUsage: /rent [model] <hours> [count] [max_price] [region] [image] [auto_extend] [node]`,
    )
    expect(await run(`/rent ${y} 1`)).toBe(`Unknown GPU model "${'y'.repeat(59)}…"; expected one of H100-80GB, RTX4090-24GB.`)
    expect(await run(`/gpus max_price:${y}`)).toBe(`The max_price "${'y'.repeat(59)}…" is not a number; expected a positive amount of GRID such as 12.5.`)
    expect(await run(`/${'q'.repeat(10_000)}`)).toBe(`Unknown command /${'q'.repeat(59)}…. Type /help for the list.`)
    expect(await run(`/help ${'z'.repeat(10_000)}`)).toBe(`There is no command /${'z'.repeat(59)}…. Type /help for the list.`)
    expect(await run(`/gpus H100 1 1 1 1 1 ${y}`)).toBe(
      `There is more than this command takes ("${'y'.repeat(59)}…").\nUsage: /gpus [model] [count] [min_vram] [max_price] [region] [min_reliability]`,
    )
    expect(await run(`/withdraw ${y}`)).toBe(`The amount to withdraw "${'y'.repeat(59)}…" is not a number; expected a positive amount of GRID such as 12.5.`)
  })

  test('a command with a control or bidi character is answered, the characters dropped', async () => {
    const { run } = setup()
    expect(await run('/help\u0000')).toMatch(/^Gridshare commands\n\/help — List the commands/)
    expect(await run('/balance\u202e')).toBe('Your balance\nNothing here yet: /deposit shows how to add funds.\nAvailable: 0 GRID\nIn escrow: 0 GRID')
    expect(await run('/gpus \u202eRTX\u2066 4090\u0007')).toMatch(/\nRTX4090-24GB  2 /)
  })

  test('/help rent gives each example once', async () => {
    const { run } = setup()
    expect(await run('/help rent')).toBe(
      [
        '/rent — Rent GPUs: get a quote, then confirm',
        'Usage: /rent [model] <hours> [count] [max_price] [region] [image] [auto_extend] [node]',
        // Values of several lines start under their names, indented.
        'Options:',
        '  model (optional): GPU model, e.g. H100-80GB (with node:, only if that node has several)',
        '  hours: Hours to rent; a whole number from 1 to 720',
        '  count (optional): GPUs on one machine; a whole number from 1 to 16',
        '  max_price (optional): Highest price per GPU-hour, e.g. 2.5',
        '  region (optional): Region, e.g. eu-west',
        '  image (optional): Workload image from the catalogue, e.g. pytorch (the default)',
        '  auto_extend (optional): Add 1 h at a time before the end while your balance allows, up to this many hours; a whole number of hours from 1 to 168, e.g. auto_extend:8',
        '  node (optional): A node id from /offers, e.g. n3k9q: rent on that node only',
        'Examples:',
        '  /rent H100-80GB 4',
        '  /rent node:n3k9q 4 2',
        '  /rent RTX4090 2 count:2 max_price:0.8',
        '  /rent H100-80GB 4 image:pytorch',
        '  /rent H100-80GB 4 auto_extend:8',
      ].join('\n'),
    )
  })
})
