import type { Logger } from '../../app/logger.ts'
import { classifyTelegramFailure, type TelegramFailure } from './classifyTelegramFailure.ts'
import { TelegramDeliveryError } from './TelegramDeliveryError.ts'
import { TokenBucket, type BucketRate } from './TokenBucket.ts'

export interface SenderLimits {
  /** Telegram asks for about one message a second in a private chat; short bursts pass. */
  privateChat: BucketRate
  /** At most 20 messages a minute in a group or channel. */
  groupChat: BucketRate
  /** About 30 messages a second over all chats. */
  global: BucketRate
  /** Messages waiting for one chat; past this, sends fail at once with rate_limited. */
  maxQueuePerChat: number
  /** Tries for a network error or 5xx before giving up with transient. */
  transientAttempts: number
  retryBaseMs: number
  retryMaxMs: number
  /** 429 answers one message may get before it is handed back with rate_limited. */
  rateLimitAttempts: number
  /** A retry_after longer than this is handed back to the caller instead of held in memory. */
  maxRetryAfterMs: number
}

export const TELEGRAM_LIMITS: SenderLimits = {
  privateChat: { burst: 3, perSecond: 1 },
  groupChat: { burst: 5, perSecond: 20 / 60 },
  global: { burst: 30, perSecond: 30 },
  maxQueuePerChat: 50,
  transientAttempts: 4,
  retryBaseMs: 500,
  retryMaxMs: 8_000,
  rateLimitAttempts: 3,
  maxRetryAfterMs: 60_000,
}

export type CallApi = (method: string, payload: Record<string, unknown>) => Promise<unknown>

export interface TelegramSenderDeps {
  /** One Bot API request (telegraf's Telegram#callApi); it never retries by itself. */
  callApi: CallApi
  logger: Logger
  /** Held only to scrub it from whatever is logged or thrown. */
  token: string
  limits?: Partial<SenderLimits>
  /** A chat refused us for good. For a private chat the id is the user's id. */
  onUnreachable?: (chatId: string, description: string) => void
  /** Monotonic milliseconds. */
  now?: () => number
  random?: () => number
}

export interface ChatCall {
  method: string
  payload: Record<string, unknown>
}

interface Job extends ChatCall {
  resolve(result: unknown): void
  reject(error: Error): void
  attempts: number
  rateLimited: number
}

interface Lane {
  queue: Job[]
  rate: BucketRate
  bucket: TokenBucket
  blockedUntil: number
  running: boolean
}

const MAX_IDLE_LANES = 10_000

/** The one way out to Telegram for anything said in a chat (replies, edits,
 *  DMs, announcements). Each chat has its own FIFO lane, paced by that chat's
 *  bucket and a shared global one; a 429 or a retry backoff holds only that
 *  lane, so one busy chat never delays another. Lanes are bounded, and a
 *  failure ends as a TelegramDeliveryError the notifier knows how to act on. */
export class TelegramSender {
  private readonly limits: SenderLimits
  private readonly lanes = new Map<string, Lane>()
  private readonly global: TokenBucket
  private readonly sleeps = new Set<{ timer: NodeJS.Timeout; wake: () => void }>()
  private readonly now: () => number
  private readonly random: () => number
  private closed = false
  private prunedAt = 0

  constructor(private readonly deps: TelegramSenderDeps) {
    this.limits = { ...TELEGRAM_LIMITS, ...deps.limits }
    this.now = deps.now ?? (() => performance.now())
    this.random = deps.random ?? Math.random
    this.global = new TokenBucket(this.limits.global, this.now())
  }

  /** Queues one call for a chat; resolves with Telegram's result. */
  async send<T = unknown>(chatId: string, method: string, payload: Record<string, unknown>): Promise<T> {
    const [result] = await this.sendAll(chatId, [{ method, payload }])
    return result as T
  }

  /** Queues calls back to back, so the parts of a long reply are not
   *  interleaved with other messages to the same chat. */
  sendAll(chatId: string, calls: readonly ChatCall[]): Promise<unknown[]> {
    if (this.closed) return Promise.reject(new TelegramDeliveryError('transient', calls[0]?.method ?? 'send', undefined, 'the Telegram sender is stopped'))
    const lane = this.lane(chatId)
    const now = this.now()
    const refusal = this.refuse(lane, calls, now)
    if (refusal) return Promise.reject(refusal)
    const results = calls.map(
      (call) =>
        new Promise<unknown>((resolve, reject) => lane.queue.push({ ...call, resolve, reject, attempts: 0, rateLimited: 0 })),
    )
    if (!lane.running) void this.pump(chatId, lane)
    return Promise.all(results)
  }

  /** A call outside any chat's pacing (answerCallbackQuery, setMyCommands,
   *  getMe): failures are logged and thrown the same way, but not retried. */
  async call<T = unknown>(method: string, payload: Record<string, unknown> = {}): Promise<T> {
    try {
      return (await this.deps.callApi(method, payload)) as T
    } catch (error) {
      const failure = classifyTelegramFailure(error, this.deps.token)
      this.log(failure, { method })
      throw toDeliveryError(method, failure)
    }
  }

  /** Stops sending: queued messages fail with transient, timers are cleared. */
  close(): void {
    this.closed = true
    for (const sleep of this.sleeps) {
      clearTimeout(sleep.timer)
      sleep.wake()
    }
    this.sleeps.clear()
  }

  private refuse(lane: Lane, calls: readonly ChatCall[], now: number): TelegramDeliveryError | undefined {
    const method = calls[0]?.method ?? 'send'
    const blockedMs = Math.ceil(lane.blockedUntil - now)
    if (blockedMs > this.limits.maxRetryAfterMs)
      return new TelegramDeliveryError('rate_limited', method, 429, `chat is rate limited for ${blockedMs} ms`, blockedMs)
    if (lane.queue.length + calls.length > this.limits.maxQueuePerChat) {
      const drainMs = Math.ceil((lane.queue.length / lane.rate.perSecond) * 1000)
      return new TelegramDeliveryError('rate_limited', method, undefined, `${lane.queue.length} messages already queued for this chat`, Math.max(blockedMs, drainMs))
    }
    return undefined
  }

  private async pump(chatId: string, lane: Lane): Promise<void> {
    lane.running = true
    try {
      while (lane.queue.length > 0 && !this.closed) {
        const now = this.now()
        const wait = Math.max(lane.blockedUntil - now, lane.bucket.waitMs(now), this.global.waitMs(now))
        if (wait > 0) {
          await this.sleep(wait)
          continue
        }
        lane.bucket.take(now)
        this.global.take(now)
        const job = lane.queue[0]!
        try {
          const result = await this.deps.callApi(job.method, job.payload)
          lane.queue.shift()
          job.resolve(result)
        } catch (error) {
          this.onFailure(chatId, lane, job, classifyTelegramFailure(error, this.deps.token))
        }
      }
    } finally {
      lane.running = false
      if (this.closed) this.rejectAll(lane, new TelegramDeliveryError('transient', lane.queue[0]?.method ?? 'send', undefined, 'the Telegram sender stopped'))
    }
  }

  private onFailure(chatId: string, lane: Lane, job: Job, failure: TelegramFailure): void {
    const { limits } = this
    const now = this.now()
    switch (failure.kind) {
      case 'rate_limited': {
        job.rateLimited++
        lane.blockedUntil = now + failure.retryAfterMs
        this.log(failure, { method: job.method, chatId, attempt: job.rateLimited })
        if (failure.retryAfterMs > limits.maxRetryAfterMs) this.rejectAll(lane, toDeliveryError(job.method, failure))
        else if (job.rateLimited >= limits.rateLimitAttempts) this.reject(lane, job, toDeliveryError(job.method, failure))
        // Otherwise the job stays first in its lane and goes again when the chat is free.
        return
      }
      case 'transient': {
        job.attempts++
        this.log(failure, { method: job.method, chatId, attempt: job.attempts })
        if (job.attempts >= limits.transientAttempts) this.reject(lane, job, toDeliveryError(job.method, failure))
        else lane.blockedUntil = Math.max(lane.blockedUntil, now + this.backoffMs(job.attempts))
        return
      }
      case 'unreachable': {
        this.log(failure, { method: job.method, chatId })
        this.deps.onUnreachable?.(chatId, failure.description)
        // Everything else queued for this chat would be refused the same way.
        this.rejectAll(lane, toDeliveryError(job.method, failure))
        return
      }
      case 'rejected': {
        this.log(failure, { method: job.method, chatId })
        this.reject(lane, job, toDeliveryError(job.method, failure))
        return
      }
    }
  }

  /** Exponential with equal jitter, so chats that failed together do not retry together. */
  private backoffMs(attempt: number): number {
    const ceiling = Math.min(this.limits.retryMaxMs, this.limits.retryBaseMs * 2 ** (attempt - 1))
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random())
  }

  private reject(lane: Lane, job: Job, error: Error): void {
    lane.queue.splice(lane.queue.indexOf(job), 1)
    job.reject(error)
  }

  private rejectAll(lane: Lane, error: Error): void {
    for (const job of lane.queue.splice(0)) job.reject(error)
  }

  private lane(chatId: string): Lane {
    let lane = this.lanes.get(chatId)
    if (!lane) {
      if (this.lanes.size >= MAX_IDLE_LANES) this.prune()
      const rate = this.rateFor(chatId)
      lane = { queue: [], rate, bucket: new TokenBucket(rate, this.now()), blockedUntil: 0, running: false }
      this.lanes.set(chatId, lane)
    }
    return lane
  }

  private rateFor(chat: string): BucketRate {
    // Users have positive ids; groups, supergroups and channels negative ones (or an @name).
    return chat.startsWith('-') || chat.startsWith('@') ? this.limits.groupChat : this.limits.privateChat
  }

  /** Drops lanes with nothing queued and nothing to remember, so memory
   *  follows the chats active in the last minute or so, not every chat ever. */
  private prune(): void {
    const now = this.now()
    if (now - this.prunedAt < 1000) return
    this.prunedAt = now
    for (const [id, lane] of this.lanes) {
      if (!lane.running && lane.queue.length === 0 && lane.blockedUntil <= now && lane.bucket.isFull(now)) this.lanes.delete(id)
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleeps.delete(entry)
          resolve()
        }, ms),
        wake: resolve,
      }
      this.sleeps.add(entry)
    })
  }

  private log(failure: TelegramFailure, context: { method: string; chatId?: string; attempt?: number }): void {
    const fields = { ...context, code: failure.code, description: failure.description, kind: failure.kind }
    if (failure.kind === 'rejected') this.deps.logger.error(fields, 'Telegram refused a request')
    else if (failure.kind === 'unreachable') this.deps.logger.info(fields, 'Telegram chat is unreachable')
    else this.deps.logger.warn(fields, 'Telegram request failed')
  }
}

function toDeliveryError(method: string, failure: TelegramFailure): TelegramDeliveryError {
  switch (failure.kind) {
    case 'rate_limited':
      return new TelegramDeliveryError('rate_limited', method, failure.code, failure.description, failure.retryAfterMs)
    case 'unreachable':
      return new TelegramDeliveryError('unreachable', method, failure.code, failure.description)
    case 'transient':
      return new TelegramDeliveryError('transient', method, failure.code, failure.description)
    case 'rejected':
      return new TelegramDeliveryError('rejected', method, failure.code, failure.description)
  }
}
