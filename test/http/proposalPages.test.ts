import { describe, expect, test } from 'vitest'
import { PUBLIC_PAGE_CSP } from '../../src/dashboard/pageLayout.ts'
import { createPublicPagesHarness, text } from '../dashboard/publicPagesHarness.ts'

const HOUR = 3600_000

async function withVotes() {
  const h = createPublicPagesHarness()
  const alice = h.holder('alice', { a1: 120 })
  const bob = h.holder('bob', { b1: 30 })
  const proposal = await h.propose({ title: 'Raise the fee', param: 'protocol_fee_bps=400', duration: '72', body: 'Fund **audits**.' })
  await alice.vote(proposal.id, 'For')
  await bob.vote(proposal.id, 'Against')
  return { h, proposal, alice, bob }
}

describe('GET /proposals/<id>', () => {
  test('attack: a body with a script, a javascript: link and an img onerror renders them as text', async () => {
    const h = createPublicPagesHarness()
    const proposal = await h.propose({
      title: '<script>alert(0)</script>',
      body: '# Why\n\n<script>alert(1)</script>\n\nSee [docs](javascript:alert(2)) <img src=x onerror=alert(3)> ![pic](https://evil.example/x.png) [site](https://example.org/a?b=1&c=2) <a href="javascript:alert(4)">a</a>',
    })
    const res = await h.get(`/proposals/${proposal.id}`)
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html.match(/<div class="body">[\s\S]*?<\/div>/)![0]).toBe(
      '<div class="body"><h3>Why</h3>\n' +
        '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n' +
        '<p>See docs &lt;img src=x onerror=alert(3)&gt; pic <a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">site</a> &lt;a href=&quot;javascript:alert(4)&quot;&gt;a&lt;/a&gt;</p>\n</div>',
    )
    expect(html).toContain('<h1>p1: &lt;script&gt;alert(0)&lt;/script&gt;</h1>')
    expect(html).not.toMatch(/<script|javascript:alert\(2\)|<img src=x|evil\.example/i)
    expect(res.headers.get('content-security-policy')).toBe(PUBLIC_PAGE_CSP)
    expect(PUBLIC_PAGE_CSP).toMatch(/^default-src 'none'; img-src 'self'; style-src 'sha256-[A-Za-z0-9+/]{43}='; base-uri 'none'; form-action 'self'; frame-ancestors 'none'$/)
  })

  test('the live result, the quorum, voters by power and how to vote', async () => {
    const { h, proposal } = await withVotes()
    const res = await h.get(`/proposals/${proposal.id}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    const page = await res.text()
    expect(text(page)).toBe(
      'Network Proposals Epochs p1: Raise the fee ' +
        'Status Open. Voting is open until 2026-12-03 12:00 UTC. Closes 2026-12-03 12:00 UTC Voting single-choice; power is GRID held at block 100 Change if For wins protocol_fee_bps = 400 ' +
        'Proposal Fund audits . ' +
        'Live result Voting power per choice Choice Power Share of power cast 1. For (leading) 120 GRID 80.0% 2. Against 30 GRID 20.0% 3. Abstain 0 GRID 0.0% ' +
        'Quorum 150 GRID of 1,000 GRID cast (15%): quorum not met. 15% ' +
        'Voters 2 wallets voted. Votes by wallet, strongest first Wallet Power Choice 0x63Eea5C4164b6B4D10bBcBC192f37bb25589a91d 120 GRID For 0xD041127684408bD8C1D107e63d3D2cd5a84ef835 30 GRID Against ' +
        'How to vote Vote in Telegram: /vote p1 &lt;choice&gt; ; in Discord: /vote id:p1 choice:&lt;choice&gt; . Your choice is one choice number or name, e.g. 1 or For; choices: 1. For, 2. Against, 3. Abstain. Link a wallet first with /link.',
    )
    expect(page).toContain('<img src="/charts/proposal.png?id=p1" alt="Bar chart of voting power per choice with the quorum of 1,000 GRID as a dashed line: For 120 GRID; Against 30 GRID; Abstain 0 GRID.">')
    expect(page).toContain('<progress id="quorum" max="100" value="15">15%</progress>')
  })

  test('a changed vote moves the live result and the voters table at once', async () => {
    const { h, proposal, bob } = await withVotes()
    // Seen once before the change: the voters table kept then must not be served after it.
    expect(text(await (await h.get(`/proposals/${proposal.id}`)).text())).toContain('0xD041127684408bD8C1D107e63d3D2cd5a84ef835 30 GRID Against')
    await bob.vote(proposal.id, 'For')
    const body = text(await (await h.get(`/proposals/${proposal.id}`)).text())
    expect(body).toContain('1. For (leading) 150 GRID 100.0% 2. Against 0 GRID 0.0%')
    expect(body).toContain('0xD041127684408bD8C1D107e63d3D2cd5a84ef835 30 GRID For How to vote')
  })

  test('closed: the final result, the winner and no voting instructions', async () => {
    const h = createPublicPagesHarness()
    const alice = h.holder('alice', { a1: 1500 })
    const proposal = await h.propose({ title: 'Pass it', duration: '1' })
    await alice.vote(proposal.id, 'For')
    h.clock.now += 2 * HOUR
    h.governance.closeDue()
    const body = text(await (await h.get(`/proposals/${proposal.id}`)).text())
    expect(body).toContain('Status Closed. Voting closed 2026-11-30 13:00 UTC.')
    expect(body).toContain('Result Voting power per choice Choice Power Share of power cast 1. For (won) 1,500 GRID 100.0%')
    expect(body).toContain('Quorum 1,500 GRID of 1,000 GRID cast (100%): quorum met.')
    expect(body.endsWith('How to vote Voting closed 2026-11-30 13:00 UTC.')).toBe(true)
  })

  test('many voters: the 100 strongest are listed, and the count of all', async () => {
    const { h, proposal } = await withVotes()
    const insert = h.sqlite.prepare("insert into governance_votes (proposal_id, address, choice, power, voted_at, source) values (?, ?, '2', ?, 0, 'hub')")
    for (let i = 1; i <= 99; i++) insert.run(proposal.id, `0x${i.toString(16).padStart(40, '0')}`, String(BigInt(i) * 10n ** 17n))
    const body = text(await (await h.get(`/proposals/${proposal.id}`)).text())
    expect(body).toContain('Voters The 100 strongest of 101 wallets that voted.')
    // Power is decimal text: 120 GRID sorts above 9.9 GRID (text order alone would not).
    expect(body).toContain('Wallet Power Choice 0x63Eea5C4164b6B4D10bBcBC192f37bb25589a91d 120 GRID For 0xD041127684408bD8C1D107e63d3D2cd5a84ef835 30 GRID Against 0x0000000000000000000000000000000000000063 9.9 GRID Against')
    expect(body).toContain('0x0000000000000000000000000000000000000002 0.2 GRID Against How to vote')
  })

  test.each([
    ['/proposals/p99', 404, 'Not found There is no proposal p99; /proposals lists them (ids look like p12 or s-1a2b3c).'],
    ['/proposals/%3Cscript%3E', 400, 'Bad request A proposal id has letters, digits and dashes, such as /proposals/p12.'],
    [`/proposals/${'p'.repeat(81)}`, 400, 'Bad request A proposal id has letters, digits and dashes, such as /proposals/p12.'],
  ])('error: %s is answered %i with one sentence', async (path, status, sentence) => {
    const h = createPublicPagesHarness()
    const res = await h.get(path)
    expect(res.status).toBe(status)
    expect(res.headers.get('content-type')).toBe('text/html; charset=UTF-8')
    expect(res.headers.get('content-security-policy')).toBe(PUBLIC_PAGE_CSP)
    expect(text(await res.text())).toBe(`Network Proposals Epochs ${sentence}`)
  })
})

describe('GET /proposals', () => {
  test('the newest proposals with status, close time, voters, power and quorum', async () => {
    const { h } = await withVotes()
    await h.propose({ title: 'Later <b>one</b>', delay: '2', duration: '1' })
    const page = await (await h.get('/proposals')).text()
    expect(text(page)).toBe(
      "Network Proposals Epochs Proposals Token-holder governance of the network: power is the GRID a wallet held at the proposal's snapshot block. " +
        'The newest proposals Proposal Title Status Closes Wallets voted Power cast Quorum ' +
        'p2 Later &lt;b&gt;one&lt;/b&gt; Not open yet 2026-11-30 15:00 UTC 0 0 GRID not met ' +
        'p1 Raise the fee Open 2026-12-03 12:00 UTC 2 150 GRID not met',
    )
    expect(page).toContain('<th scope="row"><a href="/proposals/p2">p2</a></th>')
  })

  test('none yet', async () => {
    const h = createPublicPagesHarness()
    expect(text(await (await h.get('/proposals')).text())).toContain('No proposals yet. Token holders propose with /propose in Telegram or Discord.')
  })
})
