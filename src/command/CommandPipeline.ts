import { randomBytes } from 'node:crypto'
import type { Logger } from '../app/logger.ts'
import type { Metrics } from '../app/metrics.ts'
import type { Services } from '../app/Services.ts'
import type { Db } from '../db/openDatabase.ts'
import { AppError } from '../errors/AppError.ts'
import { echoInput, stripInvisible } from '../errors/echoInput.ts'
import { ChatIdentities } from '../identity/ChatIdentities.ts'
import { ANYONE, ANYONE_OWNER, claimAction, createAction, newActionId } from './actionStore.ts'
import type { ChatPlace, ChatUser, CommandContext } from './CommandContext.ts'
import type { ActionHandler, CommandDefinition } from './defineCommand.ts'
import { parseArguments } from './parseArguments.ts'
import type { RateLimiter } from './RateLimiter.ts'
import type { Reply } from './reply.ts'
import { suggestCommand } from './suggestCommand.ts'
import { validateOptions } from './validateOptions.ts'

export type AutocompleteSource = (ctx: CommandContext, prefix: string) => string[] | Promise<string[]>

export interface PipelineDeps {
  db: Db
  logger: Logger
  metrics: Metrics
  clock: () => number
  commands: readonly CommandDefinition[]
  services: Services
  rateLimiter: RateLimiter
  /** 'telegram:123' style ids; the console user is always an admin. */
  adminIds: ReadonlySet<string>
  autocomplete?: Record<string, AutocompleteSource>
}

/** shared: the button is anyone's (a vote in a group): the answer is the
 *  presser's alone, and the message with the buttons stays as it is for the others.
 *  detail: the answer is more than a one-line notice (a ballot, a /link to
 *  follow), so platforms with only short private notices send a private message. */
export type PressOutcome =
  | { status: 'ok'; reply: Reply; shared?: boolean; detail?: boolean }
  | { status: 'rejected'; message: string; shared?: boolean; detail?: boolean }

/** What fits a Telegram callback notice; longer or actionable answers go to a private message. */
const NOTICE_LIMIT = 200

const REJECTED_PRESS: Record<string, string> = {
  unknown: 'This button is no longer valid.',
  expired: 'This button expired. Run the command again.',
  used: 'This was already answered.',
  foreign: 'This button belongs to someone else.',
}

/** The one path every platform's commands and button presses go through:
 *  identity, rate limit, parsing, validation, handler, error boundary, metrics. */
export class CommandPipeline {
  private readonly byName: Map<string, CommandDefinition>
  private readonly actionHandlers = new Map<string, { command: CommandDefinition; handler: ActionHandler }>()
  private readonly identities: ChatIdentities
  private inFlight = 0
  private idle: (() => void)[] = []

  constructor(private readonly deps: PipelineDeps) {
    this.byName = new Map(deps.commands.map((c) => [c.name, c]))
    this.identities = new ChatIdentities(deps.db)
    for (const command of deps.commands) {
      for (const [name, handler] of Object.entries(command.actions ?? {})) {
        if (this.actionHandlers.has(name)) throw new Error(`action ${name} is defined twice`)
        this.actionHandlers.set(name, { command, handler })
      }
    }
  }

  get commands(): readonly CommandDefinition[] {
    return this.deps.commands
  }

  find(name: string): CommandDefinition | undefined {
    return this.byName.get(name)
  }

  /** Text platforms: "/rent H100 4 count:2". Returns undefined for text that is not a command. */
  async runText(user: ChatUser, chat: ChatPlace, text: string): Promise<Reply | undefined> {
    // "/help\u0000" or "/wallet\u202e" is still a command: answer it rather than stay silent.
    const match = /^\/([A-Za-z0-9_]+)(?:@\w+)?(?:\s+([\s\S]*))?$/.exec(stripInvisible(text).trim())
    if (!match) return undefined
    const name = match[1]!.toLowerCase()
    const command = this.byName.get(name)
    if (!command) return this.unknownCommand(user, name)
    return this.execute(user, chat, command, () => parseArguments(command, match[2] ?? '', { symbol: this.deps.services.units?.symbol }))
  }

  /** Typed platforms (Discord): option values arrive already split. */
  async runCommand(
    user: ChatUser,
    chat: ChatPlace,
    name: string,
    raw: Record<string, string | number | boolean | undefined>,
  ): Promise<Reply> {
    const command = this.byName.get(name)
    if (!command) return this.unknownCommand(user, name)
    return this.execute(user, chat, command, () => raw)
  }

  async press(user: ChatUser, chat: ChatPlace, actionId: string): Promise<PressOutcome> {
    return this.track(async () => {
      const started = performance.now()
      const now = this.deps.clock()
      const claim = claimAction(this.deps.db, { id: actionId, presser: user, presserAccountId: () => this.identities.ensure(user, now).accountId, now })
      if (claim.status !== 'ok') {
        this.count('press', user, 'rejected')
        return { status: 'rejected', message: REJECTED_PRESS[claim.status]! }
      }
      const entry = this.actionHandlers.get(claim.action.name)
      if (!entry) return { status: 'rejected', message: REJECTED_PRESS.unknown! }
      const shared = claim.action.ownerPlatform === ANYONE_OWNER
      const reply = await this.guard(entry.command, user, async () => {
        const ctx = this.context(user, chat, now)
        return entry.handler(claim.payload, ctx)
      })
      this.deps.metrics.commandSeconds.observe({ command: claim.action.name, platform: user.platform }, (performance.now() - started) / 1000)
      // A failed press is told to the presser alone; the message with the buttons stays as it was.
      if (reply.error) {
        const message = reply.text ?? 'That did not work.'
        return { status: 'rejected', message, ...(shared ? { shared, detail: needsDetail(message) } : {}) }
      }
      if (shared) return { status: 'ok', reply: { ...reply, private: true }, shared, detail: Boolean(reply.buttons?.length || reply.fields?.length || reply.table) || needsDetail(reply.text ?? '') }
      return { status: 'ok', reply: { private: entry.command.private, ...reply } }
    })
  }

  async autocomplete(user: ChatUser, chat: ChatPlace, commandName: string, option: string, prefix: string): Promise<string[]> {
    const source = this.byName.get(commandName)?.options[option]?.autocomplete
    const complete = source ? this.deps.autocomplete?.[source] : undefined
    if (!complete) return []
    try {
      const ctx = this.context(user, chat, this.deps.clock())
      const all = await complete(ctx, prefix)
      const lower = prefix.toLowerCase()
      return all.filter((v) => v.toLowerCase().includes(lower)).slice(0, 25)
    } catch (error) {
      this.deps.logger.warn({ err: error, commandName, option }, 'autocomplete failed')
      return []
    }
  }

  /** Resolves when no command is running (for graceful shutdown). */
  drain(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve))
  }

  private async execute(
    user: ChatUser,
    chat: ChatPlace,
    command: CommandDefinition,
    readArguments: () => Record<string, string | number | boolean | undefined>,
  ): Promise<Reply> {
    return this.track(async () => {
      const started = performance.now()
      const now = this.deps.clock()
      const wait = this.deps.rateLimiter.take(`${user.platform}:${user.id}`, now)
      if (wait > 0) {
        this.count(command.name, user, 'rate_limited')
        return { text: `Slow down: you can send another command in ${wait} s.`, private: command.private, error: true }
      }
      const reply = await this.guard(command, user, async () => {
        const ctx = this.context(user, chat, now)
        if (command.adminOnly && !ctx.isAdmin) throw new AppError('not an admin', { code: 'FORBIDDEN', userMessage: `Only admins can use /${command.name}.` })
        const args = validateOptions(command, readArguments())
        return command.run(args as never, ctx)
      })
      this.deps.metrics.commandSeconds.observe({ command: command.name, platform: user.platform }, (performance.now() - started) / 1000)
      return { private: command.private, ...reply }
    })
  }

  /** The error boundary: user errors are answered, anything else is logged
   *  with a reference the user can quote. Stack traces never reach chat. */
  private async guard(command: CommandDefinition, user: ChatUser, run: () => Promise<Reply>): Promise<Reply> {
    try {
      const reply = await run()
      this.count(command.name, user, 'ok')
      return reply
    } catch (error) {
      if (error instanceof AppError && error.userMessage) {
        this.count(command.name, user, 'user_error')
        return { text: error.userMessage, error: true }
      }
      const ref = randomBytes(3).toString('hex')
      this.count(command.name, user, 'error')
      this.deps.logger.error({ err: error, ref, command: command.name, platform: user.platform }, 'command failed')
      return { text: `Something went wrong (ref ${ref}). Please try again; if it keeps happening, quote the ref to an admin.`, error: true }
    }
  }

  private unknownCommand(user: ChatUser, name: string): Reply {
    this.count('unknown', user, 'unknown')
    const suggestion = suggestCommand(name, [...this.byName.keys()])
    const hint = suggestion ? ` — did you mean /${suggestion}?` : '.'
    return { text: `Unknown command /${echoInput(name)}${hint} Type /help for the list.`, error: true }
  }

  private context(user: ChatUser, chat: ChatPlace, now: number): CommandContext {
    const { db, services, logger } = this.deps
    const { accountId, identityId } = this.identities.ensure(user, now)
    let groupId: string | undefined
    // The services are the context's prototype: copying a dozen of them per command costs more than the command.
    const ctx: Omit<CommandContext, keyof Services> = {
      user,
      chat,
      accountId,
      identityId,
      isAdmin: user.platform === 'console' || this.deps.adminIds.has(`${user.platform}:${user.id}`),
      now,
      logger,
      commands: this.deps.commands,
      action: (name, payload, options) => {
        if (!this.actionHandlers.has(name)) throw new Error(`no handler for action ${name}`)
        groupId ??= newActionId()
        const { anyone, ...rest } = options ?? {}
        return createAction(db, { name, payload, owner: anyone ? ANYONE : user, groupId, now, ...rest })
      },
    }
    return Object.assign(Object.create(services) as Services, ctx)
  }

  private count(command: string, user: ChatUser, outcome: string): void {
    this.deps.metrics.commands.inc({ command, platform: user.platform, outcome })
  }

  private async track<T>(run: () => Promise<T>): Promise<T> {
    this.inFlight++
    try {
      return await run()
    } finally {
      if (--this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve()
    }
  }
}

/** A command to follow (/link, /authorize, /vote …) or more than a notice holds. */
function needsDetail(text: string): boolean {
  return text.length > NOTICE_LIMIT || /\/(link|authorize|vote|unfreeze)\b/.test(text)
}
