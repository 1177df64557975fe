import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { getAddress } from 'viem'
import { describe, expect, test } from 'vitest'
import { payoutTree } from '../../src/rewards/merkle.ts'
import { createPublicPagesHarness, GRID, text } from '../dashboard/publicPagesHarness.ts'

const A = getAddress(`0x${'a1'.repeat(20)}`)
const B = getAddress(`0x${'b2'.repeat(20)}`)

function withEpochs() {
  const h = createPublicPagesHarness()
  const a = h.addProvider(A, [])
  const b = h.addProvider(B, [])
  h.closeEpoch(1, [{ address: A, ...a, emission: 40n * GRID }], 100n * GRID)
  h.closeEpoch(
    2,
    [
      { address: A, ...a, emission: 60n * GRID, earnings: GRID / 2n },
      { address: B, ...b, emission: 30n * GRID, status: 'submitted' },
    ],
    100n * GRID,
  )
  return { h, a, b }
}

describe('GET /epochs', () => {
  test('each epoch with its emission and what its payouts confirmed, and the chart', async () => {
    const { h } = withEpochs()
    const page = await (await h.get('/epochs')).text()
    expect(text(page)).toBe(
      "Network Proposals Epochs Reward epochs Each epoch's emission is shared among providers by verified uptime; payouts are sent on chain and every one can be checked against the epoch's Merkle root. " +
        'Emission and paid per epoch Epochs Closed epochs, newest first Epoch Period (UTC) Emission Paid ' +
        '2 2026-11-02 00:00 UTC to 2026-11-03 00:00 UTC 100 GRID 60.5 GRID to 1 provider; 30 GRID to 1 more on the way ' +
        '1 2026-11-01 00:00 UTC to 2026-11-02 00:00 UTC 100 GRID 40 GRID to 1 provider',
    )
    expect(page).toContain('<img src="/charts/epochs.png" alt="Line chart of emission and paid per epoch for epochs 1 to 2; latest, epoch 2: emission 100 GRID, paid 60.5 GRID.">')
    expect(page).toContain('<a href="/epochs/2">2</a>')
  })

  test('a payout confirming shows within a minute; a settled epoch is not summed again', async () => {
    const { h } = withEpochs()
    await h.get('/epochs')
    h.sqlite.prepare("update payouts set status = 'confirmed' where id like 'e2-%'").run()
    expect(text(await (await h.get('/epochs')).text())).toContain('100 GRID 60.5 GRID to 1 provider; 30 GRID to 1 more on the way')
    h.clock.now += 61_000
    expect(text(await (await h.get('/epochs')).text())).toContain('100 GRID 90.5 GRID to 2 providers 1 2026-11-01')
    // Epoch 1 had nothing on the way: its sum is final and kept.
    h.sqlite.prepare("update payouts set status = 'failed' where id like 'e1-%'").run()
    h.clock.now += 61_000
    expect(text(await (await h.get('/epochs')).text())).toContain('100 GRID 40 GRID to 1 provider')
  })

  test('none yet', async () => {
    const h = createPublicPagesHarness()
    const page = await (await h.get('/epochs')).text()
    expect(text(page)).toContain('Emission and paid per epoch Epochs No epoch has closed yet.')
    expect(page).toContain('alt="Chart of emission and paid per epoch: no epoch has closed yet."')
  })
})

describe('GET /epochs/<n>', () => {
  test('its totals, root, the per-provider statement and the proof form', async () => {
    const { h } = withEpochs()
    const page = await (await h.get('/epochs/2')).text()
    const root = h.sqlite.prepare('select merkle_root as root from epochs where number = 2').get() as { root: string }
    expect(text(page)).toBe(
      'Network Proposals Epochs Epoch 2 Period 2026-11-02 00:00 UTC to 2026-11-03 00:00 UTC Closed 2026-11-03 00:01 UTC Emission 100 GRID ' +
        `Paid 60.5 GRID to 1 provider; 30 GRID to 1 more on the way Merkle root ${root.root} Report hash 0x${'ab'.repeat(32)} ` +
        'Check a payout Wallet address Show proof ' +
        'Providers 2 providers earned in this epoch. Per-provider statement Provider Emission share Rental earnings Total Leaf ' +
        `${A} 60 GRID 0.5 GRID 60.5 GRID ${leafOf(h, 2, A)} ${B} 30 GRID 0 GRID 30 GRID ${leafOf(h, 2, B)} ` +
        'The statement as JSON: /api/v1/epochs/2 .',
    )
    expect(page).toContain(`<td class="mono"><a href="/providers/${A}">${A}</a></td>`)
    expect(page).toContain('<form method="get" action="/epochs/2">')
  })

  test('the proof lookup shows the leaf and a proof that verifies against the root', async () => {
    const { h } = withEpochs()
    const page = await (await h.get(`/epochs/2?address=${B.toLowerCase()}`)).text()
    const root = (h.sqlite.prepare('select merkle_root as root from epochs where number = 2').get() as { root: string }).root
    const proof = [...page.matchAll(/<li>(0x[0-9a-f]{64})<\/li>/g)].map((m) => m[1]!)
    expect(proof).toHaveLength(1)
    expect(StandardMerkleTree.verify(root, ['address', 'uint256'], [B, (30n * GRID).toString()], proof)).toBe(true)
    expect(text(page)).toContain(`Show proof The leaf (address, uint256) of ${B} in epoch 2: Leaf ${B}, 30000000000000000000 Root ${root} Proof ${proof[0]} Providers`)
    expect(page).toContain(`value="${B}"`)
  })

  test("a proof comes from the epoch's current tree: a recomputed root is read again, not served from the last lookup", async () => {
    const { h } = withEpochs()
    expect(text(await (await h.get(`/epochs/2?address=${B}`)).text())).toContain(`Leaf ${B}, 30000000000000000000`)
    const { root, dump } = payoutTree([{ address: B, amount: 31n * GRID }, { address: A, amount: GRID }])
    h.sqlite.prepare('update epochs set merkle_root = ?, tree = ? where number = 2').run(root, JSON.stringify(dump))
    const page = text(await (await h.get(`/epochs/2?address=${B}`)).text())
    expect(page).toContain(`Leaf ${B}, 31000000000000000000 Root ${root}`)
  })

  test('an address the epoch did not pay is said so', async () => {
    const { h } = withEpochs()
    expect(text(await (await h.get(`/epochs/1?address=${B}`)).text())).toContain(`Show proof ${B} was not paid in epoch 1. Providers`)
  })

  test('statements are paged a hundred at a time', async () => {
    const h = createPublicPagesHarness()
    const leaves = Array.from({ length: 150 }, (_, i) => ({ address: getAddress(`0x${(i + 1).toString(16).padStart(40, '0')}`), providerId: i + 1, accountId: i + 1, emission: GRID }))
    h.closeEpoch(3, leaves, 150n * GRID)
    const first = await (await h.get('/epochs/3')).text()
    expect(first.match(/<td class="mono">/g)).toHaveLength(100)
    expect(text(first)).toContain('150 providers earned in this epoch.')
    expect(text(first)).toContain('Page 1 of 2 · next')
    const second = await (await h.get('/epochs/3?page=2')).text()
    expect(second.match(/<td class="mono">/g)).toHaveLength(50)
    expect(text(second)).toContain(`${leaves[100]!.address} 1 GRID 0 GRID 1 GRID`)
    expect(second).toContain('Page 2 of 2 · <a href="/epochs/3?page=1">previous</a></p>')
  })

  test.each([
    ['/epochs/9', 404, 'Not found No closed epoch 9; /epochs lists them.'],
    ['/epochs/latest', 400, 'Bad request An epoch is a whole number, such as /epochs/12.'],
    ['/epochs/1?page=0', 400, 'Bad request page must be a whole number from 1, such as page=2.'],
    ['/epochs/1?address=%22%3E%3Cscript%3Ealert(1)%3C/script%3E', 400, 'Bad request address must be a provider wallet address: 0x followed by 40 hex digits.'],
    ['/epochs/1?address=0x1234', 400, 'Bad request address must be a provider wallet address: 0x followed by 40 hex digits.'],
  ])('error: %s is answered %i with one sentence', async (path, status, sentence) => {
    const { h } = withEpochs()
    const res = await h.get(path)
    expect(res.status).toBe(status)
    const page = await res.text()
    expect(text(page)).toBe(`Network Proposals Epochs ${sentence}`)
    expect(page).not.toContain('<script>')
  })
})

function leafOf(h: ReturnType<typeof createPublicPagesHarness>, epoch: number, address: string): number {
  return (h.sqlite.prepare('select leaf_index as leaf from epoch_statements where epoch = ? and address = ?').get(epoch, address) as { leaf: number }).leaf
}
