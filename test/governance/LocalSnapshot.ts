import { createHash, randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { Hono } from 'hono'
import { getAddress, verifyTypedData, type Hex } from 'viem'
import { snapshot } from '../../src/governance/snapshotJs.ts'
import { serveHttp } from '../support/serveHttp.ts'
import type { HubProposal, HubVote } from '../../src/governance/snapshot/SnapshotHub.ts'

// The sequencer's table of accepted EIP-712 type hashes, from snapshot.js itself.
const HASHED_TYPES = createRequire(import.meta.url)('@snapshot-labs/snapshot.js/src/sign/hashedTypes.json') as Record<string, string>

// The sequencer's envelope schema (snapshot-sequencer src/helpers/envelope.json).
const ENVELOPE_SCHEMA = {
  type: 'object',
  properties: {
    address: { type: 'string', format: 'address' },
    data: {
      type: 'object',
      properties: {
        domain: { type: 'object', properties: { name: { type: 'string' }, version: { type: 'string' } }, required: ['name', 'version'] },
        message: { type: 'object', properties: { from: { type: 'string', format: 'address' }, timestamp: { type: 'number' }, space: { type: 'string' } }, required: ['from', 'timestamp'] },
        types: { type: 'object' },
        primaryType: { type: 'string' },
      },
      required: ['domain', 'message', 'types'],
      additionalProperties: false,
    },
    sig: { type: 'string' },
  },
  required: ['address', 'data', 'sig'],
  additionalProperties: false,
}

const ALIAS_TYPES = ['follow', 'unfollow', 'subscribe', 'unsubscribe', 'profile']
const ALIAS_OPTION_TYPES = ['vote', 'vote-array', 'vote-string', 'proposal', 'delete-proposal', 'statement']

export interface StoredVote extends HubVote {
  proposal: string
  space: string
  reason: string
  app: string
  signer: string
}

/** A local Snapshot: the sequencer (POST /) checks envelopes the way the real
 *  one does — schema, timestamp window, domain, accepted type hash, alias and
 *  its 30 days, EIP-712 signature, the vote's schema, window, choice and
 *  power — and the hub (POST /graphql) answers the proposal and vote queries. */
export class LocalSnapshot {
  readonly space = 'gridshare.eth'
  readonly proposals: HubProposal[] = []
  readonly votes: StoredVote[] = []
  readonly aliases: { address: string; alias: string; created: number }[] = []
  readonly received: { at: number; body: unknown; answer: unknown }[] = []
  private readonly messages = new Set<string>()
  /** Seconds; tests move it with the service's clock. */
  now = () => Math.floor(Date.now() / 1000)
  /** Voting power by voter address (Snapshot's strategies, simplified). */
  power = (voter: string) => (this.noPower.has(getAddress(voter)) ? 0 : 25)
  readonly noPower = new Set<string>()
  aliased = true
  private server?: { url: string; close(): Promise<void> }

  get url(): string {
    return this.server!.url
  }

  async start(): Promise<this> {
    this.server = await serveHttp(this.app())
    return this
  }

  stop(): Promise<void> {
    return this.server?.close() ?? Promise.resolve()
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

  private app(): Hono {
    const app = new Hono()
    app.post('/', async (c) => {
      const body = await c.req.json().catch(() => undefined)
      const answer = await this.ingest(body).then(
        (ok) => ({ status: 200 as const, json: ok as object }),
        (error: string) => ({ status: 400 as const, json: { error: 'client_error', error_description: error } }),
      )
      this.received.push({ at: this.now(), body, answer: answer.json })
      return c.json(answer.json, answer.status)
    })
    app.post('/graphql', async (c) => {
      const { query, variables } = (await c.req.json()) as { query: string; variables: Record<string, any> }
      const root = /\{\s*(\w+)\s*\(/.exec(query)?.[1]
      const fields = /\)\s*\{([^}]*)\}/.exec(query)?.[1]?.trim().split(/\s+/) ?? []
      const pick = (row: Record<string, unknown>) => Object.fromEntries(fields.map((f) => [f, row[f]]))
      const { first = 100, skip = 0, where = {} } = variables ?? {}
      if (root === 'proposals') {
        const rows = this.proposals
          .filter((p) => (where.space === undefined || where.space === this.space) && (where.created_gt === undefined || p.created > where.created_gt) && (where.id_in === undefined || where.id_in.includes(p.id)))
          .sort((a, b) => a.created - b.created)
        return c.json({ data: { proposals: rows.slice(skip, skip + first).map((p) => pick(p as never)) } })
      }
      if (root === 'votes') {
        const rows = this.votes.filter((v) => where.proposal === undefined || v.proposal === where.proposal).sort((a, b) => a.created - b.created)
        return c.json({ data: { votes: rows.slice(skip, skip + first).map((v) => pick(v as never)) } })
      }
      return c.json({ errors: [{ message: `unknown query ${root}` }] }, 400)
    })
    return app
  }

  private async ingest(body: any): Promise<object> {
    if (snapshot.utils.validateSchema(ENVELOPE_SCHEMA, body) !== true) throw 'wrong envelope format'
    const ts = this.now()
    const { domain, message, types } = body.data
    if (JSON.stringify(body).length > 1e5) throw 'too large message'
    if (message.timestamp > ts + 300 || message.timestamp < ts - 3 * 86400) throw 'wrong timestamp'
    if (domain.name !== 'snapshot' || domain.version !== '0.1.4') throw 'wrong domain'
    const typesWithoutDomain = { ...types }
    delete typesWithoutDomain.EIP712Domain
    const type = HASHED_TYPES[createHash('sha256').update(JSON.stringify(typesWithoutDomain)).digest('hex')]
    if (!type) throw 'wrong types'
    if (!['alias', 'profile', 'settings'].includes(type) && message.space !== this.space) throw 'unknown space'
    if (body.address !== message.from) {
      if (!ALIAS_TYPES.includes(type) && !ALIAS_OPTION_TYPES.includes(type)) throw 'wrong from'
      if (ALIAS_OPTION_TYPES.includes(type) && !this.aliased) throw 'alias not enabled'
      const valid = this.aliases.some((a) => a.address === message.from && a.alias === body.address && a.created > ts - 30 * 86400)
      if (!valid) throw 'wrong alias'
    }
    const primaryType = Object.keys(typesWithoutDomain)[0]!
    const signed = await verifyTypedData({ address: body.address, domain, types: typesWithoutDomain, primaryType, message, signature: body.sig as Hex }).catch(() => false)
    if (!signed) throw 'signature validation failed'
    const id = snapshot.utils.getHash(body.data)
    if (this.messages.has(id)) throw 'duplicate message'

    if (type === 'alias') {
      if (snapshot.utils.validateSchema(snapshot.schemas.alias, { alias: message.alias }) !== true) throw 'wrong alias format'
      if (message.from === message.alias) throw 'alias cannot be the same as the address'
      this.aliases.push({ address: message.from, alias: message.alias, created: message.timestamp })
    } else if (type.startsWith('vote')) {
      const proposal = this.proposals.find((p) => p.id === message.proposal)
      if (!proposal) throw 'unknown proposal'
      const choice = type === 'vote-string' ? JSON.parse(message.choice) : message.choice
      const payload = { proposal: message.proposal, choice, reason: message.reason || '', app: message.app || '', metadata: JSON.parse(message.metadata || '{}') }
      if (snapshot.utils.validateSchema(snapshot.schemas.vote, payload) !== true) throw 'wrong vote format'
      if (message.timestamp > proposal.end || proposal.start > message.timestamp || ts > proposal.end || proposal.start > ts) throw 'not in voting window'
      const Voting = snapshot.utils.voting[proposal.type as 'single-choice'] as unknown as { isValidChoice(c: unknown, choices: string[]): boolean }
      if (!Voting.isValidChoice(choice, proposal.choices)) throw 'invalid choice'
      const vp = this.power(message.from)
      if (vp === 0) throw 'no voting power'
      const voter = getAddress(message.from)
      const earlier = this.votes.findIndex((v) => v.voter === voter && v.proposal === proposal.id)
      if (earlier >= 0 && this.votes[earlier]!.created > message.timestamp) throw 'already voted at later time'
      if (earlier >= 0) this.votes.splice(earlier, 1)
      this.votes.push({ id, voter, vp, choice, created: message.timestamp, proposal: proposal.id, space: message.space, reason: payload.reason, app: payload.app, signer: body.address })
      this.rescore(proposal)
    } else {
      throw `unsupported type ${type}`
    }
    this.messages.add(id)
    return { id, ipfs: 'bafkrei' + id.slice(2, 40), relayer: { address: '0x' + '2'.repeat(40), receipt: '0x' + randomBytes(65).toString('hex') } }
  }

  private rescore(proposal: HubProposal): void {
    const votes = this.votes.filter((v) => v.proposal === proposal.id).map((v) => ({ choice: v.choice, balance: v.vp, scores: [v.vp] }))
    const Voting = snapshot.utils.voting[proposal.type as 'single-choice'] as unknown as new (...a: unknown[]) => { getScores(): number[]; getScoresTotal(): number }
    const system = new Voting(proposal, votes, [{}], null)
    proposal.scores = system.getScores()
    proposal.scores_total = system.getScoresTotal()
  }
}

