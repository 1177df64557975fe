import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import type { ChatPlace, ChatUser } from '../../command/CommandContext.ts'
import type { CommandPipeline } from '../../command/CommandPipeline.ts'
import { renderPlainText } from '../../command/renderPlainText.ts'
import { isActionButton, type Reply } from '../../command/reply.ts'

export const CONSOLE_USER: ChatUser = { platform: 'console', id: 'local', name: 'console' }
const CONSOLE_CHAT: ChatPlace = { id: 'console', kind: 'private' }

/** A terminal chat for zero-credential local use. Interactive on a TTY; with
 *  piped input it answers one command per line and ends at end of input. */
export class ConsoleAdapter {
  private readonly buttons = new Map<number, string>()
  private nextButton = 1
  /** The interactive prompt while it waits for a line: a notification then prints above it. */
  private waiting: Interface | undefined

  constructor(
    private readonly deps: { pipeline: CommandPipeline; input: Readable; output: Writable; interactive: boolean },
  ) {}

  /** Resolves when the input ends (Ctrl-D, or the end of a pipe). */
  async run(): Promise<void> {
    const { input, output, interactive } = this.deps
    const lines = createInterface({ input, output: interactive ? output : undefined, terminal: interactive })
    if (interactive) {
      lines.setPrompt('> ')
      lines.prompt()
      this.waiting = lines
    }
    for await (const line of lines) {
      this.waiting = undefined
      const text = line.trim()
      if (text) this.print(await this.handle(text))
      if (interactive) {
        lines.prompt()
        this.waiting = lines
      }
    }
    this.waiting = undefined
  }

  /** Notifications for the console user (and announcements) are printed. */
  async sendPrivate(_userId: string, reply: Reply): Promise<void> {
    this.print(this.render(reply))
  }

  async sendToChannel(_channelId: string, reply: Reply): Promise<void> {
    this.print(this.render(reply))
  }

  private async handle(text: string): Promise<string> {
    const { pipeline } = this.deps
    const press = /^\/press\s+(\d+)$/.exec(text)
    // /press is the console's own command, not the pipeline's: answer its bad forms here.
    if (!press && /^\/press(\s|$)/i.test(text)) return 'Press a button by its number: /press 1 (buttons are shown as [n]).'
    if (press) {
      const actionId = this.buttons.get(Number(press[1]))
      if (!actionId) return `There is no button ${press[1]}; buttons are shown as [n].`
      const outcome = await pipeline.press(CONSOLE_USER, CONSOLE_CHAT, actionId)
      return outcome.status === 'ok' ? this.render(outcome.reply) : outcome.message
    }
    const reply = await pipeline.runText(CONSOLE_USER, CONSOLE_CHAT, text.startsWith('/') ? text : `/${text}`)
    return reply ? this.render(reply) : 'Commands start with /. Type /help for the list.'
  }

  private render(reply: Reply): string {
    const numbers = (reply.buttons ?? []).map((button) => {
      if (!isActionButton(button)) return 0
      const n = this.nextButton++
      this.buttons.set(n, button.action)
      return n
    })
    return renderPlainText(reply, numbers)
  }

  private print(text: string): void {
    const { output } = this.deps
    const prompt = this.waiting
    if (!prompt) {
      output.write(text + '\n\n')
      return
    }
    // A notification while the prompt waits: clear the prompt's line, print, then
    // redraw the prompt with what was typed so far, instead of printing over it.
    clearLine(output, 0)
    cursorTo(output, 0)
    output.write(text + '\n\n')
    prompt.prompt(true)
  }
}
