import { createHash, randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { Hono, type Context } from 'hono'
import { getAddress, verifyTypedData, type Hex } from 'viem'
import { snapshot } from '../../src/governance/snapshotJs.ts'
import { serveHttp } from '../support/serveHttp.ts'
import type { HubProposal, HubVote } from '../../src/governance/snapshot/SnapshotHub.ts'

// The sequencer's table of accepted EIP-712 type hashes, from snapshot.js itself.
const HASHED_TYPES = createRequire(import.meta.url)('@snapshot-labs/snapshot.js/src/sign/hashedTypes.json') as Record<string, string>

// The sequencer's envelope schema (snapshot-sequencer src/helpers/envelope.json, EVM addresses only).
const ENVELOPE_SCHEMA = {
  type: 'object',
  properties: {
    address: { type: 'string', format: 'address' },
    data: {
      type: 'object',
      properties: {
        domain: { type: 'object', properties: { name: { type: 'string' }, version: { type: 'string' } }, required: ['name', 'version'] },
        message: {
          type: 'object',
          properties: { from: { type: 'string', format: 'address' }, timestamp: { type: 'number' }, space: { type: 'string', pattern: '^[^ ]+$' } },
          required: ['from', 'timestamp'],
        },
        types: { type: 'object' },
        primaryType: { type: 'string' },
      },
      required: ['domain', 'message', 'types'],
      additionalProperties: false,
    },
    sig: { type: ['string', 'array'] },
  },
  required: ['address', 'data', 'sig'],
  additionalProperties: false,
}

// snapshot-sequencer src/helpers/alias.ts: what an alias may sign for its wallet, in any space.
const TYPES_EXECUTABLE_BY_ALIAS = ['follow', 'unfollow', 'subscribe', 'unsubscribe', 'profile', 'statement', 'vote', 'vote-array', 'vote-string', 'proposal', 'update-proposal', 'delete-proposal', 'flag-proposal']
const ALIAS_EXPIRY_S = 30 * 86400
// snapshot-sequencer src/ingestor.ts: a message's timestamp may be 5 minutes ahead or 6 days behind.
const OVER_S = 300
const UNDER_S = 6 * 86400

export interface StoredVote extends HubVote {
  proposal: string
  space: string
  reason: string
  app: string
  signer: string
}

/** A local Snapshot as two servers, laid out like the real ones:
 *  - the sequencer (POST / at its own URL) checks envelopes in the order
 *    snapshot-sequencer's ingestor does — schema, size, timestamp window,
 *    domain, type hash, space, alias (the types an alias may sign, its 30
 *    days), EIP-712 signature, duplicates — then the writer's checks, with the
 *    real error texts, answered as `{ error: 'client_error', error_description }`
 *    with HTTP 400;
 *  - the hub answers the GraphQL proposal and vote queries (orderBy,
 *    orderDirection, ties by id), redirects POST /api/msg to the sequencer
 *    with a 307 like snapshot-hub, and like any Express app answers a POST to
 *    its root with a 404 HTML page. */
export class LocalSnapshot {
  readonly space = 'gridshare.eth'
  readonly proposals: HubProposal[] = []
  readonly votes: StoredVote[] = []
  readonly aliases: { address: string; alias: string; created: number }[] = []
  /** Proposals accepted through the sequencer (signed by a wallet or its alias). */
  readonly signedProposals: { author: string; signer: string; title: string; space: string }[] = []
  readonly received: { at: number; body: unknown; answer: unknown; status: number }[] = []
  private readonly messages = new Set<string>()
  /** Seconds; tests move it with the service's clock. */
  now = () => Math.floor(Date.now() / 1000)
  /** Voting power by voter address (Snapshot's strategies, simplified): 25 unless set. */
  readonly powers = new Map<string, number>()
  readonly noPower = new Set<string>()
  /** While true the sequencer answers as it does in maintenance: 503. */
  down = false
  private hubServer?: { url: string; close(): Promise<void> }
  private sequencerServer?: { url: string; close(): Promise<void> }

  /** The hub (SNAPSHOT_HUB_URL). */
  get url(): string {
    return this.hubServer!.url
  }

  /** The sequencer's own URL. */
  get sequencerUrl(): string {
    return this.sequencerServer!.url
  }

  power(voter: string): number {
    const address = getAddress(voter)
    return this.noPower.has(address) ? 0 : (this.powers.get(address) ?? 25)
  }

  async start(): Promise<this> {
    this.sequencerServer = await serveHttp(this.sequencerApp())
    this.hubServer = await serveHttp(this.hubApp())
    return this
  }

  async stop(): Promise<void> {
    await this.hubServer?.close()
    await this.sequencerServer?.close()
  }

  reset(): void {
    this.proposals.length = 0
    this.votes.length = 0
    this.aliases.length = 0
    this.signedProposals.length = 0
    this.received.length = 0
    this.messages.clear()
    this.powers.clear()
    this.noPower.clear()
    this.down = false
  }

  addProposal(fields: Partial<HubProposal> & { title: string }): HubProposal {
    const now = this.now()
    const proposal: HubProposal = {
      id: '0x' + randomBytes(32).toString('hex'),
      body: '',
      choices: ['For', 'Against', 'Abstain'],
      type: 'single-choice',
      start: now - 60,
      end: now + 3 * 86400,
      snapshot: '123',
      state: 'active',
      created: now - 120 + this.proposals.length,
      author: '0x' + '1'.repeat(40),
      quorum: 100,
      scores: [],
      scores_total: 0,
      ...fields,
    }
    proposal.scores = proposal.choices.map(() => 0)
    this.proposals.push(proposal)
    return proposal
  }

  private sequencerApp(): Hono {
    const app = new Hono()
    app.get('/', (c) => c.json({ name: 'snapshot-sequencer', SNAPSHOT_ENV: 'testnet', version: '0.1.0', relayer: '0x' + '2'.repeat(40) }))
    app.post('/', async (c) => {
      const body = await c.req.json().catch(() => undefined)
      const answer = this.down
        ? { status: 503 as const, json: { error: 'server_error', error_description: 'update in progress, try later' } }
        : await this.ingest(body).then(
            (ok) => ({ status: 200 as const, json: ok as object }),
            (error: string) => ({ status: 400 as const, json: { error: 'client_error', error_description: error } }),
          )
      this.received.push({ at: this.now(), body, answer: answer.json, status: answer.status })
      return c.json(answer.json, answer.status)
    })
    return app
  }

  private hubApp(): Hono {
    const app = new Hono()
    app.get('/api', (c) => c.json({ name: 'snapshot-hub', network: 'testnet', version: '0.1.3' }))
    app.post('/api/msg', (c) => c.redirect(this.sequencerUrl, 307))
    app.post('/graphql', async (c) => this.graphql(c))
    app.get('/*', (c) => c.redirect('/api'))
    // Express's default answer to a route it does not have.
    app.notFound((c) =>
      c.html(`<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot ${c.req.method} ${new URL(c.req.url).pathname}</pre>\n</body>\n</html>\n`, 404),
    )
    return app
  }

  private async graphql(c: Context) {
    const { query, variables } = (await c.req.json()) as { query: string; variables: Record<string, any> }
    const root = /\{\s*(\w+)\s*\(/.exec(query)?.[1]
    const fields = /\)\s*\{([^}]*)\}/.exec(query)?.[1]?.trim().split(/\s+/) ?? []
    const pick = (row: Record<string, unknown>) => Object.fromEntries(fields.map((f) => [f, row[f]]))
    const { first = 20, skip = 0, where = {}, orderBy = 'created', orderDirection = 'desc' } = { ...variables, ...literalArgs(query) }
    const direction = String(orderDirection).toLowerCase() === 'asc' ? 1 : -1
    const order = <T extends { id: string }>(rows: T[], key: keyof T) =>
      rows.sort((a, b) => direction * (Number(a[key]) - Number(b[key])) || a.id.localeCompare(b.id))
    if (root === 'proposals') {
      const rows = this.proposals.filter(
        (p) => (where.space === undefined || where.space === this.space) && (where.created_gt === undefined || p.created > where.created_gt) && (where.id_in === undefined || where.id_in.includes(p.id)),
      )
      return c.json({ data: { proposals: order(rows, 'created').slice(skip, skip + first).map((p) => pick(p as never)) } })
    }
    if (root === 'votes') {
      const rows = this.votes.filter((v) => where.proposal === undefined || v.proposal === where.proposal)
      return c.json({ data: { votes: order(rows, orderBy === 'vp' ? 'vp' : 'created').slice(skip, skip + first).map((v) => pick(v as never)) } })
    }
    return c.json({ errors: [{ message: `unknown query ${root}` }] }, 400)
  }

  /** snapshot-sequencer's ingestor, then its writers' verify and action. */
  private async ingest(body: any): Promise<object> {
    if (snapshot.utils.validateSchema(ENVELOPE_SCHEMA, body) !== true) throw 'wrong envelope format'
    const ts = this.now()
    const { domain, message, types } = body.data
    if (JSON.stringify(body).length > 1e5) throw 'too large message'
    if (message.timestamp > ts + OVER_S || message.timestamp < ts - UNDER_S) throw 'wrong timestamp'
    if (message.proposal && String(message.proposal).includes(' ')) throw 'proposal cannot contain whitespace'
    if (domain.name !== 'snapshot' || domain.version !== '0.1.4') throw 'wrong domain'
    const typesWithoutDomain = { ...types }
    delete typesWithoutDomain.EIP712Domain
    const type = HASHED_TYPES[createHash('sha256').update(JSON.stringify(typesWithoutDomain)).digest('hex')]
    if (!type) throw 'wrong types'
    if (!['settings', 'alias', 'profile', 'delete-space'].includes(type) && message.space !== this.space) throw 'unknown space'
    if (body.address !== message.from) {
      if (!TYPES_EXECUTABLE_BY_ALIAS.includes(type)) throw `alias not allowed for the type: ${type}`
      const valid = this.aliases.some((a) => a.address === message.from && a.alias === body.address && a.created > ts - ALIAS_EXPIRY_S)
      if (!valid) throw 'wrong alias'
    }
    const primaryType = Object.keys(typesWithoutDomain)[0]!
    const signed = await verifyTypedData({ address: body.address, domain, types: typesWithoutDomain, primaryType, message, signature: body.sig as Hex }).catch(() => false)
    if (!signed) throw 'signature validation failed'
    const id = snapshot.utils.getHash(body.data, body.address)
    if (this.messages.has(id)) throw 'duplicate message'

    if (type === 'alias') this.writeAlias(message)
    else if (type.startsWith('vote')) this.writeVote(id, type, message, body.address)
    else if (type === 'proposal') this.writeProposal(message, body.address)
    else throw `unsupported type ${type}`
    this.messages.add(id)
    return { id, ipfs: 'bafkrei' + id.slice(2, 40), relayer: { address: '0x' + '2'.repeat(40), receipt: '0x' + randomBytes(65).toString('hex') } }
  }

  private writeAlias(message: any): void {
    if (snapshot.utils.validateSchema(snapshot.schemas.alias, { alias: message.alias }) !== true) throw 'wrong alias format'
    if (message.from === message.alias) throw 'alias cannot be the same as the address'
    if (this.aliases.some((a) => a.alias === message.alias && a.address !== message.from)) throw 'alias is already linked to another address'
    // Keyed by (address, alias): a wallet's older aliases keep working until their own 30 days end.
    const existing = this.aliases.find((a) => a.address === message.from && a.alias === message.alias)
    if (existing) existing.created = message.timestamp
    else this.aliases.push({ address: message.from, alias: message.alias, created: message.timestamp })
  }

  private writeVote(id: string, type: string, message: any, signer: string): void {
    const proposal = this.proposals.find((p) => p.id === message.proposal)
    let choice = message.choice
    if (type === 'vote-string') {
      if (!proposal) throw 'unknown proposal'
      try {
        choice = JSON.parse(message.choice)
      } catch {
        throw 'invalid choice'
      }
    }
    const payload = { proposal: message.proposal, choice, reason: message.reason || '', app: message.app || '', metadata: JSON.parse(message.metadata || '{}') }
    if (snapshot.utils.validateSchema(snapshot.schemas.vote, payload) !== true) throw 'wrong vote format'
    if (!proposal) throw 'unknown proposal'
    const ts = this.now()
    if (message.timestamp > proposal.end || proposal.start > message.timestamp || ts > proposal.end || proposal.start > ts) throw 'not in voting window'
    const Voting = snapshot.utils.voting[proposal.type as 'single-choice'] as unknown as { isValidChoice(c: unknown, choices: string[]): boolean }
    if (!Voting.isValidChoice(choice, proposal.choices)) throw 'invalid choice'
    const vp = this.power(message.from)
    if (vp === 0) throw 'no voting power'
    const voter = getAddress(message.from)
    const earlier = this.votes.findIndex((v) => v.voter === voter && v.proposal === proposal.id)
    if (earlier >= 0) {
      const previous = this.votes[earlier]!
      if (previous.created > message.timestamp) throw 'already voted at later time'
      if (previous.created === message.timestamp && id.localeCompare(previous.id) <= 0) throw 'already voted same time with lower index'
      this.votes.splice(earlier, 1)
    }
    this.votes.push({ id, voter, vp, choice, created: message.timestamp, proposal: proposal.id, space: message.space, reason: payload.reason, app: payload.app, signer })
    this.rescore(proposal)
  }

  private writeProposal(message: any, signer: string): void {
    const payload = { name: message.title, body: message.body, discussion: message.discussion || '', choices: message.choices, labels: message.labels || [], start: message.start, end: message.end, snapshot: message.snapshot, metadata: { plugins: JSON.parse(message.plugins || '{}') }, type: message.type, app: message.app || '' }
    if (snapshot.utils.validateSchema(snapshot.schemas.proposal, payload) !== true) throw 'wrong proposal format'
    if (message.end <= this.now()) throw 'proposal end date must be in the future'
    this.signedProposals.push({ author: message.from, signer, title: message.title, space: message.space })
  }

  private rescore(proposal: HubProposal): void {
    const votes = this.votes.filter((v) => v.proposal === proposal.id).map((v) => ({ choice: v.choice, balance: v.vp, scores: [v.vp] }))
    const Voting = snapshot.utils.voting[proposal.type as 'single-choice'] as unknown as new (...a: unknown[]) => { getScores(): number[]; getScoresTotal(): number }
    const system = new Voting(proposal, votes, [{}], null)
    proposal.scores = system.getScores()
    proposal.scores_total = system.getScoresTotal()
  }
}

/** orderBy / orderDirection written into the query text rather than passed as variables. */
function literalArgs(query: string): Record<string, string> {
  const args: Record<string, string> = {}
  for (const [, key, value] of query.matchAll(/(orderBy|orderDirection):\s*"?(\w+)"?/g)) args[key!] = value!
  return args
}
