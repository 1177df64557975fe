import { parseUnits, type Address } from 'viem'
import type { PrivateKeyAccount } from 'viem/accounts'
import type { RecordedCall, LocalBotApi, TestUser } from '../../test/chat/telegram/LocalBotApi.ts'
import type { Prng } from './prng.ts'
import type { ProductStart } from './ProductProcess.ts'
import { signLinkOverHttp, soakChain } from './soakChain.ts'
import type { SoakStats } from './SoakStats.ts'

export interface SoakUser {
  tg: TestUser
  /** Only "wallet users" link a wallet, deposit, rent, withdraw and vote. */
  wallet?: PrivateKeyAccount
  funder?: PrivateKeyAccount
  funded: boolean
  linkedAt?: number
  deposited: bigint
  rentals: string[]
  busy: boolean
}

export interface ChatTrafficDeps {
  api: LocalBotApi
  prng: Prng
  stats: SoakStats
  /** The product as last started, or undefined while it is down. */
  product: () => ProductStart | undefined
  /** security_hold_hours as set for the soak, in ms. */
  holdMs: number
}

const INTERNAL = /Something went wrong \(ref/
const MODELS = ['H100-80GB', 'RTX4090-24GB', 'A100-80GB', 'L40S-48GB']
const GRID = (amount: string) => parseUnits(amount, 18)

/** ~1,000 Telegram users typing commands at the product through the local
 *  Bot API server, one command at a time per user, at a bounded rate. Each
 *  answer is classified (ok, refused with a sentence, internal error, none). */
export class ChatTraffic {
  readonly users: SoakUser[] = []
  readonly proposals: string[] = []
  private proposalCount = 0
  private inFlight = new Set<Promise<void>>()
  private funderQueues = new Map<string, Promise<unknown>>()

  constructor(private readonly deps: ChatTrafficDeps) {}

  addUser(user: SoakUser): void {
    this.users.push(user)
  }

  /** Starts commands at `opsPerSecond` until `until` (ms), at most `maxInFlight` waiting at once. */
  async run({ until, opsPerSecond, maxInFlight, maxOps }: { until: number; opsPerSecond: number; maxInFlight: number; maxOps: number }): Promise<void> {
    const gapMs = 1000 / opsPerSecond
    let started = 0
    while (Date.now() < until && started < maxOps) {
      if (this.inFlight.size < maxInFlight) {
        const user = this.pickIdleUser()
        if (user) {
          started++
          user.busy = true
          const op = this.act(user)
            .catch((error) => this.deps.stats.note(`traffic error: ${error instanceof Error ? error.message : String(error)}`))
            .finally(() => {
              user.busy = false
              this.inFlight.delete(op)
            })
          this.inFlight.add(op)
        }
      }
      await new Promise((resolve) => setTimeout(resolve, gapMs))
    }
    await Promise.all(this.inFlight)
  }

  private pickIdleUser(): SoakUser | undefined {
    const { prng } = this.deps
    // Wallet users are a few percent of everyone but do most of the money-moving: pick them a third of the time.
    const walletUsers = this.users.filter((u) => u.wallet)
    for (let tries = 0; tries < 10; tries++) {
      const user = walletUsers.length && prng.chance(1 / 3) ? prng.pick(walletUsers) : prng.pick(this.users)
      if (!user.busy) return user
    }
    return undefined
  }

  private async act(user: SoakUser): Promise<void> {
    const { prng } = this.deps
    if (!user.wallet) {
      const roll = prng.next()
      if (roll < 0.3) return void (await this.simple(user, '/gpus', 'gpus'))
      if (roll < 0.4) return void (await this.simple(user, `/gpus ${prng.pick(MODELS)}`, 'gpus'))
      if (roll < 0.6) return void (await this.simple(user, '/balance', 'balance'))
      if (roll < 0.75) return void (await this.simple(user, '/jobs', 'jobs'))
      if (roll < 0.8) return void (await this.simple(user, '/help', 'help'))
      if (roll < 0.9) return void (await this.simple(user, '/proposals', 'proposals'))
      if (roll < 0.95 && this.proposals.length) return void (await this.vote(user))
      return void (await this.simple(user, '/deposit', 'deposit'))
    }
    if (user.linkedAt === undefined) return this.link(user)
    if (!user.funded) return this.deposit(user, '60')
    const roll = prng.next()
    if (roll < 0.25) return this.rent(user)
    if (roll < 0.35 && user.rentals.length) return this.extend(user)
    if (roll < 0.5 && user.rentals.length) return this.stop(user)
    if (roll < 0.58 && Date.now() > user.linkedAt + this.deps.holdMs + 5_000) return this.withdraw(user)
    if (roll < 0.61 && this.proposals.length < 4) return this.propose(user)
    if (roll < 0.76 && this.proposals.length) return this.vote(user)
    if (roll < 0.8) return this.deposit(user, String(prng.int(1, 20)))
    if (roll < 0.9) return void (await this.simple(user, '/balance', 'balance'))
    return void (await this.simple(user, '/jobs', 'jobs'))
  }

  /** Sends a command and waits for the bot's next message to this user. */
  private async ask(user: SoakUser, text: string, timeoutMs = 20_000): Promise<RecordedCall | undefined> {
    const { api } = this.deps
    const after = api.calls.length
    api.sendText(user.tg, text)
    try {
      return await api.waitFor((c) => c.seq >= after && c.ok === true && c.method === 'sendMessage' && Number(c.payload.chat_id) === user.tg.id, timeoutMs)
    } catch {
      return undefined
    }
  }

  /** A command whose every answer counts as ok unless it is an internal error. */
  private async simple(user: SoakUser, text: string, kind: string, ok?: RegExp): Promise<RecordedCall | undefined> {
    const reply = await this.ask(user, text)
    this.classify(kind, reply, ok)
    return reply
  }

  private classify(kind: string, reply: RecordedCall | undefined, ok?: RegExp): boolean {
    const { stats } = this.deps
    if (!reply) return stats.count(kind, 'noAnswer'), false
    const text = String(reply.payload.text)
    if (INTERNAL.test(text)) {
      stats.count(kind, 'internalError')
      stats.note(`${kind}: ${text.slice(0, 200)}`)
      return false
    }
    if (ok && !ok.test(text)) return stats.count(kind, 'refused'), false
    stats.count(kind, 'ok')
    return true
  }

  private async link(user: SoakUser): Promise<void> {
    const reply = await this.ask(user, '/link')
    const token = reply ? /\/link\/([\w-]+)/.exec(JSON.stringify(reply.payload))?.[1] : undefined
    if (!this.classify('link (chat)', reply, /\/link\/[\w-]+/) || !token) return
    const product = this.deps.product()
    if (!product) return this.deps.stats.count('link (signed on the web page)', 'noAnswer')
    try {
      const outcome = await signLinkOverHttp(`http://127.0.0.1:${product.httpPort}`, token, user.wallet!)
      if (outcome.status === 200) {
        user.linkedAt = Date.now()
        this.deps.stats.count('link (signed on the web page)', 'ok')
      } else {
        this.deps.stats.count('link (signed on the web page)', outcome.status >= 500 ? 'internalError' : 'refused')
        if (outcome.status >= 500) this.deps.stats.note(`link: ${outcome.status} ${outcome.body.slice(0, 200)}`)
      }
    } catch {
      this.deps.stats.count('link (signed on the web page)', 'noAnswer')
    }
  }

  /** Funds the wallet on first use, then sends GRID to the treasury on the dev chain. */
  private async deposit(user: SoakUser, amount: string): Promise<void> {
    const product = this.deps.product()
    if (!product) return this.deps.stats.count('deposit (on-chain transfer)', 'noAnswer')
    const chain = soakChain(product.rpcUrl)
    try {
      if (!user.funded) {
        await this.serialPerFunder(user.funder!, () => chain.fund(user.funder!, product.token, user.wallet!.address, GRID('300')))
        user.funded = true
      }
      await chain.transferToken(user.wallet!, product.token, product.treasury as Address, GRID(amount))
      user.deposited += GRID(amount)
      this.deps.stats.count('deposit (on-chain transfer)', 'ok')
    } catch (error) {
      this.deps.stats.count('deposit (on-chain transfer)', 'noAnswer')
      this.deps.stats.note(`deposit: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`)
    }
  }

  private async rent(user: SoakUser): Promise<void> {
    const { api, prng } = this.deps
    const quote = await this.ask(user, `/rent ${prng.pick(MODELS)} 1`)
    const message = quote?.result
    const hasConfirm = Boolean(message?.reply_markup?.inline_keyboard?.flat().some((b: { text: string }) => b.text === 'Confirm'))
    if (!this.classify('rent (quote)', quote, /Quote:/) || !hasConfirm) return
    const after = api.calls.length
    let queryId: string
    try {
      queryId = api.press(user.tg, message, 'Confirm')
    } catch {
      return this.deps.stats.count('rent (confirm)', 'refused')
    }
    const answer = await api.waitFor((c) => c.seq >= after && c.method === 'answerCallbackQuery' && String(c.payload.callback_query_id) === queryId, 20_000).catch(() => undefined)
    if (!answer) return this.deps.stats.count('rent (confirm)', 'noAnswer')
    if (typeof answer.payload.text === 'string' && answer.payload.text) {
      if (INTERNAL.test(answer.payload.text)) {
        this.deps.stats.note(`rent (confirm): ${answer.payload.text}`)
        return this.deps.stats.count('rent (confirm)', 'internalError')
      }
      return this.deps.stats.count('rent (confirm)', 'refused')
    }
    const edit = await api
      .waitFor((c) => c.seq >= after && c.ok === true && c.method === 'editMessageText' && Number(c.payload.chat_id) === user.tg.id && Number(c.payload.message_id) === message.message_id, 20_000)
      .catch(() => undefined)
    const id = edit ? /Confirmed: rental (\w+)/.exec(String(edit.payload.text))?.[1] : undefined
    if (this.classify('rent (confirm)', edit, /Confirmed: rental/) && id) user.rentals.push(id)
  }

  private async extend(user: SoakUser): Promise<void> {
    const id = this.deps.prng.pick(user.rentals)
    const reply = await this.simple(user, `/extend ${id} 1`, 'extend', /^Extended /)
    if (reply && /already ended/.test(String(reply.payload.text))) user.rentals = user.rentals.filter((r) => r !== id)
  }

  private async stop(user: SoakUser): Promise<void> {
    const id = this.deps.prng.pick(user.rentals)
    const reply = await this.simple(user, `/stop ${id}`, 'stop', /^Stopped /)
    if (reply && !INTERNAL.test(String(reply.payload.text))) user.rentals = user.rentals.filter((r) => r !== id)
  }

  private async withdraw(user: SoakUser): Promise<void> {
    await this.simple(user, `/withdraw ${this.deps.prng.int(1, 3)}`, 'withdraw', /^Withdrawal \S+ of /)
  }

  private async propose(user: SoakUser): Promise<void> {
    const n = ++this.proposalCount
    const reply = await this.simple(user, `/propose title:"Soak proposal ${n}" duration:1 body:"Made by the fault-injection soak"`, 'propose', /Created p\d+/)
    const id = reply ? /Created (p\d+)/.exec(String(reply.payload.text))?.[1] : undefined
    if (id) this.proposals.push(id)
  }

  private async vote(user: SoakUser): Promise<void> {
    const { prng } = this.deps
    const choice = prng.pick(['For', 'Against', 'Abstain'])
    await this.simple(user, `/vote ${prng.pick(this.proposals)} ${choice}`, user.wallet ? 'vote (with power)' : 'vote (no wallet)', /Voted |Your vote on /)
  }

  /** Each funder's transactions go one after another, so their nonces never collide. */
  private serialPerFunder<T>(funder: PrivateKeyAccount, work: () => Promise<T>): Promise<T> {
    const previous = this.funderQueues.get(funder.address) ?? Promise.resolve()
    const next = previous.catch(() => {}).then(work)
    this.funderQueues.set(funder.address, next)
    return next
  }
}
