import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { recoverMessageAddress, type Hex } from 'viem'
import { AGENT_HEADERS, AGENT_ROUTES, signedPayload, type AgentRental, type HeartbeatResponse } from '../../src/protocol/agentProtocol.ts'

export interface FakeCall {
  method: string
  path: string
  body: any
  /** The address the signature recovers to. */
  signer: string
}

export interface FakeRental {
  rental: AgentRental
  status: 'pending' | 'provisioning' | 'running' | 'finished'
  stopRequested: boolean
  connection?: Record<string, string>
  outcome?: string
  reason?: string
}

/** A small stand-in for the coordinator's agent API: checks every signature
 *  exactly as the real one must (signedPayload over the raw body), keeps a
 *  rental's status the way the coordinator would, and records every call. */
export class FakeCoordinator {
  readonly calls: FakeCall[] = []
  readonly rentals = new Map<string, FakeRental>()
  heartbeatIntervalMs = 30_000
  /** Answers a request before the fake does (an outage, a refusal). */
  intercept?: (call: FakeCall) => { status: number; body: unknown } | undefined
  private server?: Server
  private waiters: (() => void)[] = []
  url = ''

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res))
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  async close(): Promise<void> {
    const server = this.server
    if (!server) return
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    this.server = undefined
  }

  offer(rental: AgentRental, status: FakeRental['status'] = 'pending'): void {
    this.rentals.set(rental.id, { rental, status, stopRequested: false })
  }

  requestStop(id: string): void {
    this.rentals.get(id)!.stopRequested = true
  }

  callsTo(suffix: string): FakeCall[] {
    return this.calls.filter((call) => call.path.endsWith(suffix))
  }

  /** Resolves when the predicate holds after some request, or rejects after `timeoutMs`. */
  async waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = predicate()
      if (value) return value
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; calls: ${this.calls.map((c) => `${c.method} ${c.path}`).join(', ')}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks).toString('utf8')
    const method = req.method ?? ''
    const path = req.url ?? ''
    const header = (name: string) => String(req.headers[name] ?? '')
    const message = signedPayload({ method, path, timestamp: header(AGENT_HEADERS.timestamp), body: raw })
    const signer = await recoverMessageAddress({ message, signature: header(AGENT_HEADERS.signature) as Hex }).catch(() => '')
    const call: FakeCall = { method, path, body: raw ? JSON.parse(raw) : undefined, signer }
    this.calls.push(call)
    const answer = signer.toLowerCase() !== header(AGENT_HEADERS.address).toLowerCase() ? { status: 401, body: { error: 'Bad signature.', code: 'BAD_SIGNATURE' } } : (this.intercept?.(call) ?? this.route(call))
    res.writeHead(answer.status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(answer.body))
    for (const wake of this.waiters.splice(0)) wake()
  }

  private route({ path, body }: FakeCall): { status: number; body: unknown } {
    if (path === AGENT_ROUTES.registerNode) return { status: 200, body: { nodeId: 'n1', heartbeatIntervalMs: this.heartbeatIntervalMs } }
    if (path === AGENT_ROUTES.deregister('n1')) return { status: 200, body: { nodeId: 'n1', online: false } }
    if (path === AGENT_ROUTES.heartbeat('n1')) {
      const all = [...this.rentals.values()]
      const answer: HeartbeatResponse = {
        nodeId: 'n1',
        start: all.filter((r) => r.status === 'pending' && !r.stopRequested).map((r) => r.rental),
        active: all.filter((r) => (r.status === 'provisioning' || r.status === 'running') && !r.stopRequested).map((r) => r.rental),
        stop: all.filter((r) => r.stopRequested && r.status !== 'finished').map((r) => r.rental.id),
        heartbeatIntervalMs: this.heartbeatIntervalMs,
      }
      return { status: 200, body: answer }
    }
    const match = /^\/api\/v1\/agent\/rentals\/([^/]+)\/(claim|running|finished)$/.exec(path)
    const rental = match && this.rentals.get(match[1])
    if (!match || !rental) return { status: 404, body: { error: 'No such rental.', code: 'NOT_FOUND' } }
    if (rental.status === 'finished') return { status: 409, body: { error: 'That rental has already finished.', code: 'FINISHED' } }
    if (match[2] === 'claim') {
      if (rental.status !== 'pending') return { status: 409, body: { error: 'That rental was already claimed.', code: 'CLAIMED' } }
      rental.status = 'provisioning'
    } else if (match[2] === 'running') {
      rental.status = 'running'
      rental.connection = body.connection
    } else {
      rental.status = 'finished'
      rental.outcome = body.outcome
      rental.reason = body.reason
    }
    return { status: 200, body: { ok: true } }
  }
}
