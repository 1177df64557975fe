import type { z } from 'zod'
import type { Logger } from '../app/logger.ts'
import { AppError } from '../errors/AppError.ts'
import {
  AGENT_HEADERS,
  AGENT_ROUTES,
  sessionMac,
  signedPayload,
  type AgentSessionResponse,
  type ChallengeAnswer,
  type CommitChallengeBody,
  type RevealChallengeBody,
  type HeartbeatBody,
  type HeartbeatResponse,
  type RegisterNodeBody,
  type RegisterNodeResponse,
  type finishedBody,
  type runningBody,
} from '../protocol/agentProtocol.ts'
import { AgentAbortedError, AgentRequestError, CoordinatorUnreachableError } from './AgentErrors.ts'
import { agentSessionSchema, challengeAnswerSchema, heartbeatResponseSchema, registerNodeResponseSchema } from './agentResponses.ts'
import { backoffDelay } from './backoffDelay.ts'
import type { Sleep } from './sleep.ts'

/** The part of a viem LocalAccount the client needs. */
export interface AgentSigner {
  address: string
  signMessage(args: { message: string }): Promise<string>
}

export interface AgentClientDeps {
  /** Coordinator base URL; a path prefix is kept in the URL but not signed. */
  coordinatorUrl: string
  signer: AgentSigner
  clock: () => number
  sleep: Sleep
  random: () => number
  logger: Logger
  fetch?: typeof fetch
  /** Longest wait between two tries (default 30 s). */
  maxDelayMs?: number
  /** First wait (default 500 ms); it doubles each try. */
  baseDelayMs?: number
  /** A try that has not answered by then counts as a network error (default 30 s). */
  attemptTimeoutMs?: number
  /** Authenticate with a session (one wallet signature a day, then HMACs) instead of signing every request. */
  sessions?: boolean
  /** Until the coordinator has answered once, give up on network errors after this
   *  (a wrong --coordinator should fail, not retry forever); unset: never give up. */
  firstContactMs?: number
}

const SESSION_RENEW_BEFORE_MS = 10 * 60_000

/** Signed requests to the coordinator's agent API. Network errors, 5xx, 408
 *  and 429 are retried with backoff for as long as the caller's signal allows,
 *  so the agent rides out a coordinator restart; other 4xx throw
 *  AgentRequestError with the coordinator's sentence. */
export class AgentClient {
  private lastTimestamp = 0
  private session: AgentSessionResponse | undefined
  private sessionsUnsupported = false
  /** Whether any request got an HTTP answer; before that, network errors count against firstContactMs. */
  private reached = false
  private firstTryAt: number | undefined

  constructor(private readonly deps: AgentClientDeps) {}

  get address(): string {
    return this.deps.signer.address
  }

  async registerNode(body: RegisterNodeBody, signal?: AbortSignal): Promise<RegisterNodeResponse> {
    const answer = await this.request('POST', AGENT_ROUTES.registerNode, body, signal)
    return this.parse(registerNodeResponseSchema, answer, 'POST', AGENT_ROUTES.registerNode)
  }

  async heartbeat(nodeId: string, body: HeartbeatBody, signal?: AbortSignal): Promise<HeartbeatResponse> {
    const path = AGENT_ROUTES.heartbeat(nodeId)
    return this.parse(heartbeatResponseSchema, await this.request('POST', path, body, signal), 'POST', path)
  }

  async claim(rentalId: string, signal?: AbortSignal): Promise<void> {
    await this.request('POST', AGENT_ROUTES.claim(rentalId), {}, signal)
  }

  async running(rentalId: string, body: z.input<typeof runningBody>, signal?: AbortSignal): Promise<void> {
    await this.request('POST', AGENT_ROUTES.running(rentalId), body, signal)
  }

  async finished(rentalId: string, body: z.input<typeof finishedBody>, signal?: AbortSignal): Promise<void> {
    await this.request('POST', AGENT_ROUTES.finished(rentalId), body, signal)
  }

  async readyChallenge(nodeId: string, challengeId: string, signal?: AbortSignal): Promise<ChallengeAnswer> {
    const path = AGENT_ROUTES.readyChallenge(nodeId, challengeId)
    return this.parse(challengeAnswerSchema, await this.request('POST', path, {}, signal), 'POST', path)
  }

  async commitChallenge(nodeId: string, challengeId: string, body: CommitChallengeBody, signal?: AbortSignal): Promise<ChallengeAnswer> {
    const path = AGENT_ROUTES.commitChallenge(nodeId, challengeId)
    return this.parse(challengeAnswerSchema, await this.request('POST', path, body, signal), 'POST', path)
  }

  async revealChallenge(nodeId: string, challengeId: string, body: RevealChallengeBody, signal?: AbortSignal): Promise<ChallengeAnswer> {
    const path = AGENT_ROUTES.revealChallenge(nodeId, challengeId)
    return this.parse(challengeAnswerSchema, await this.request('POST', path, body, signal), 'POST', path)
  }

  /** The agent is stopping: the coordinator takes the node offline at once. */
  async deregister(nodeId: string, signal?: AbortSignal): Promise<void> {
    await this.request('POST', AGENT_ROUTES.deregister(nodeId), {}, signal)
  }

  /** Sends one signed request, retrying what may succeed later; answers the parsed JSON body.
   *  @throws AgentRequestError on a 4xx, AgentAbortedError when the signal aborts */
  async request(method: string, path: string, payload: unknown, signal?: AbortSignal): Promise<unknown> {
    const { logger, sleep, random, maxDelayMs = 30_000, baseDelayMs = 500 } = this.deps
    const body = JSON.stringify(payload)
    if (!this.reached) this.firstTryAt ??= this.deps.clock()
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new AgentAbortedError(method, path)
      let retryReason: string
      let retryAfterMs: number | undefined
      try {
        const session = path === AGENT_ROUTES.sessions ? undefined : await this.currentSession(signal)
        const response = await this.send(method, path, body, signal, session)
        this.reached = true
        const text = await response.text()
        if (response.ok) return text === '' ? undefined : JSON.parse(text)
        const answer = response.ok ? undefined : parseErrorBody(text)
        if (session && response.status === 401 && (answer?.code === 'SESSION_EXPIRED' || answer?.code === 'UNKNOWN_SESSION')) {
          // The coordinator forgot the session (restart with a new database, expiry): open another and retry at once.
          this.session = undefined
          continue
        }
        if (response.status < 500 && response.status !== 408 && response.status !== 429) {
          throw new AgentRequestError({ status: response.status, code: answer?.code, method, path, sentence: answer?.error })
        }
        retryReason = `HTTP ${response.status}`
        const after = Number(response.headers.get('retry-after'))
        if (after > 0) retryAfterMs = Math.min(maxDelayMs, after * 1000)
      } catch (error) {
        if (error instanceof AgentRequestError) throw error
        if (signal?.aborted) throw new AgentAbortedError(method, path)
        if (error instanceof SyntaxError) throw new AppError(`The coordinator answered ${method} ${path} with a body that is not JSON.`, { code: 'BAD_RESPONSE', cause: error })
        retryReason = describeNetworkError(error)
        const { firstContactMs, clock, coordinatorUrl } = this.deps
        if (!this.reached && firstContactMs !== undefined && clock() - this.firstTryAt! >= firstContactMs) throw new CoordinatorUnreachableError(coordinatorUrl, retryReason, firstContactMs)
      }
      const delayMs = retryAfterMs ?? backoffDelay({ attempt, baseMs: baseDelayMs, maxMs: maxDelayMs, random })
      logger.warn({ method, path, attempt, delayMs, reason: retryReason }, 'coordinator request failed; retrying')
      await sleep(delayMs, signal)
    }
  }

  /** The session to use, opened (with one wallet signature) or renewed as needed. */
  private async currentSession(signal: AbortSignal | undefined): Promise<AgentSessionResponse | undefined> {
    if (!this.deps.sessions || this.sessionsUnsupported) return undefined
    if (!this.session || this.session.expiresAt - this.deps.clock() < SESSION_RENEW_BEFORE_MS) {
      try {
        const opened = await this.request('POST', AGENT_ROUTES.sessions, {}, signal)
        this.session = this.parse(agentSessionSchema, opened, 'POST', AGENT_ROUTES.sessions)
      } catch (error) {
        // A coordinator without sessions: sign every request, as before.
        if (!(error instanceof AgentRequestError) || error.status !== 404) throw error
        this.sessionsUnsupported = true
        return undefined
      }
    }
    return this.session
  }

  private async send(method: string, path: string, body: string, signal: AbortSignal | undefined, session?: AgentSessionResponse): Promise<Response> {
    const { coordinatorUrl, signer, clock, fetch: doFetch = fetch, attemptTimeoutMs = 30_000 } = this.deps
    // Each try is signed afresh: the coordinator refuses a replayed signature,
    // and two requests in the same millisecond must not sign the same bytes.
    const timestamp = String((this.lastTimestamp = Math.max(clock(), this.lastTimestamp + 1)))
    const payload = signedPayload({ method, path, timestamp, body })
    const auth: Record<string, string> = session
      ? { [AGENT_HEADERS.session]: session.sessionId, [AGENT_HEADERS.mac]: sessionMac(session.secret, payload) }
      : { [AGENT_HEADERS.address]: signer.address, [AGENT_HEADERS.signature]: await signer.signMessage({ message: payload }) }
    const timeout = AbortSignal.timeout(attemptTimeoutMs)
    return doFetch(`${coordinatorUrl.replace(/\/+$/, '')}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        [AGENT_HEADERS.timestamp]: timestamp,
        ...auth,
      },
      body,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    })
  }

  private parse<T>(schema: z.ZodType<T>, answer: unknown, method: string, path: string): T {
    const parsed = schema.safeParse(answer)
    if (parsed.success) return parsed.data
    const issue = parsed.error.issues[0]
    throw new AppError(`The coordinator answered ${method} ${path} with an unexpected body (${issue?.path.join('.') || 'body'}: ${issue?.message}).`, {
      code: 'BAD_RESPONSE',
    })
  }
}

function parseErrorBody(text: string): { error?: string; code?: string } | undefined {
  try {
    const parsed = JSON.parse(text) as unknown
    if (typeof parsed !== 'object' || parsed === null) return undefined
    const { error, code } = parsed as Record<string, unknown>
    return { error: typeof error === 'string' ? error : undefined, code: typeof code === 'string' ? code : undefined }
  } catch {
    return undefined
  }
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  if (error.name === 'TimeoutError') return 'no answer in time'
  // undici hides the useful part (ECONNREFUSED, ENOTFOUND…) in the cause.
  const cause = error.cause as { code?: string; message?: string } | undefined
  return cause?.code ?? cause?.message ?? error.message
}
