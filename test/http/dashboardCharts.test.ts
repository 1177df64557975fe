import { getAddress } from 'viem'
import { describe, expect, test } from 'vitest'
import { createPublicPagesHarness, GRID } from '../dashboard/publicPagesHarness.ts'

const ADDRESS = getAddress(`0x${'5e'.repeat(20)}`)
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

async function withData() {
  const h = createPublicPagesHarness()
  const alice = h.holder('alice', { a1: 120 })
  const proposal = await h.propose({ title: 'Raise the fee', choices: 'For, <Against>', duration: '72' })
  await alice.vote(proposal.id, 'For')
  const ids = h.addProvider(ADDRESS, [{ id: 'node-a', region: 'eu-west', model: 'H100-80GB', total: 8 }])
  h.uptime('node-a', Date.UTC(2026, 10, 29), Date.UTC(2026, 10, 30))
  h.closeEpoch(1, [{ address: ADDRESS, ...ids, emission: 4n * GRID }], 10n * GRID)
  h.closeEpoch(2, [{ address: ADDRESS, ...ids, emission: 5n * GRID, status: 'submitted' }], 12n * GRID)
  return { h, proposal, alice }
}

describe('GET /charts/{proposal,epochs,earnings,uptime}.png', () => {
  test.each([['/charts/proposal.png?id=p1'], ['/charts/proposal.png?id=P1'], ['/charts/epochs.png'], [`/charts/earnings.png?address=${ADDRESS}`], [`/charts/uptime.png?address=${ADDRESS.toLowerCase()}`]])(
    '%s is a PNG under a no-script policy',
    async (path) => {
      const { h } = await withData()
      const res = await h.get(path)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('image/png')
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'")
      expect(res.headers.get('cache-control')).toBe('public, max-age=60')
      const bytes = Buffer.from(await res.arrayBuffer())
      expect(bytes.subarray(0, 8)).toEqual(PNG_SIGNATURE)
      expect(bytes.readUInt32BE(16)).toBeGreaterThan(600) // width, from the IHDR chunk
    },
  )

  test('the proposal chart: a bar per choice, all power cast, and the quorum', async () => {
    const { h } = await withData()
    const svg = await h.charts.svg('proposal', { id: 'p1' })
    expect(svg).toContain('Voting power per choice; dashed line: quorum')
    // Choice labels are text in the SVG, escaped.
    expect(svg).toContain('>1. For<')
    expect(svg).toContain('>2. &lt;Against&gt;<')
    expect(svg).toContain('>All power cast<')
    expect(svg).toContain('Voting power (GRID)')
    // The quorum (1,000 GRID) sets the axis: 120 cast is well short of it.
    expect(svg).toContain('>1,000<')
  })

  test('the epochs chart: emission and paid per epoch', async () => {
    const { h } = await withData()
    const svg = await h.charts.svg('epochs', {})
    expect(svg).toContain('Emission and paid per epoch (GRID)')
    expect([...svg.matchAll(/>(Emission|Paid)</g)].map((m) => m[1])).toEqual(['Emission', 'Paid'])
    expect(svg).toContain('>Epoch<')
  })

  test('the earnings and uptime charts of a provider', async () => {
    const { h } = await withData()
    expect(await h.charts.svg('earnings', { address: ADDRESS })).toContain('Earnings per epoch (GRID)')
    const uptime = await h.charts.svg('uptime', { address: ADDRESS })
    expect(uptime).toContain('Daily uptime, last 30 days (UTC)')
    expect(uptime).toContain('Uptime (%)')
  })

  test('empty charts say so in their title', async () => {
    const h = createPublicPagesHarness()
    h.addProvider(ADDRESS, [])
    expect(await h.charts.svg('epochs', {})).toContain('No epoch has closed yet')
    expect(await h.charts.svg('earnings', { address: ADDRESS })).toContain('No earnings in a closed epoch yet')
  })

  test('a chart is drawn once per state of its data: repeated requests reuse it, a vote redraws it', async () => {
    const { h, proposal } = await withData()
    const first = await h.charts.png('proposal', { id: proposal.id })
    expect(await h.charts.png('proposal', { id: proposal.id })).toBe(first)
    const bob = h.holder('bob', { b1: 30 })
    await bob.vote(proposal.id, '<Against>')
    const redrawn = await h.charts.png('proposal', { id: proposal.id })
    expect(redrawn).not.toBe(first)
    expect(redrawn.equals(first)).toBe(false)
    // A payout confirming changes the epochs chart (after the minute its sums are kept).
    const epochs = await h.charts.png('epochs', {})
    h.sqlite.prepare("update payouts set status = 'confirmed' where id = 'e2-1'").run()
    expect(await h.charts.png('epochs', {})).toBe(epochs)
    h.clock.now += 61_000
    expect(await h.charts.png('epochs', {})).not.toBe(epochs)
  })

  test.each([
    ['proposal.png', 400, 'id must be a proposal id such as id=p12.', 'BAD_CHART_QUERY'],
    ['proposal.png?id=%3Cscript%3E', 400, 'id must be a proposal id such as id=p12.', 'BAD_CHART_QUERY'],
    ['proposal.png?id=p99', 404, 'There is no proposal p99; /proposals lists them (ids look like p12 or s-1a2b3c).', 'NOT_FOUND'],
    ['earnings.png', 400, 'address must be a provider wallet address: 0x followed by 40 hex digits.', 'BAD_ADDRESS'],
    ['uptime.png?address=0x12', 400, 'address must be a provider wallet address: 0x followed by 40 hex digits.', 'BAD_ADDRESS'],
    [`uptime.png?address=0x${'9'.repeat(40)}`, 404, `No provider has registered with wallet 0x${'9'.repeat(40)}; expected the address its agent signs with.`, 'NOT_FOUND'],
  ])('error: /charts/%s is answered %i with one sentence', async (path, status, error, code) => {
    const { h } = await withData()
    const res = await h.get(`/charts/${path}`)
    expect(res.status).toBe(status)
    expect(await res.json()).toEqual({ error, code })
  })

  test('other chart names are not found', async () => {
    const h = createPublicPagesHarness()
    expect((await h.get('/charts/votes.png')).status).toBe(404)
    expect((await h.get('/charts/proposal.svg?id=p1')).status).toBe(404)
  })
})
