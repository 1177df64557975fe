import { defineCommand } from '../../../src/command/defineCommand.ts'
import { opt } from '../../../src/command/options.ts'

/** Commands that exercise what the Discord adapter must render: every option
 *  type, a private answer, a slow handler, buttons, a failing handler. `seen`
 *  collects the arguments handlers received, to check their types. */
export function createTestCommands(seen: Record<string, unknown>[]) {
  return [
    defineCommand({
      name: 'typed',
      description: 'Takes one option of every type',
      options: {
        // Optional first on purpose: Discord needs required options first.
        note: opt.string({ description: 'An optional note', maxLength: 40 }),
        text: opt.string({ description: 'Some text', required: true, maxLength: 50 }),
        count: opt.integer({ description: 'How many', required: true, min: 1, max: 10 }),
        ratio: opt.number({ description: 'A fraction', min: 0, max: 1 }),
        flag: opt.boolean({ description: 'On or off' }),
        size: opt.choice({ description: 'Pick a size', choices: ['small', 'large'] }),
        model: opt.string({ description: 'GPU model', autocomplete: 'models' }),
      },
      run(args) {
        seen.push({ ...args })
        return { text: `got ${Object.entries(args).map(([k, v]) => `${k}=${typeof v}:${String(v)}`).join(' ')}` }
      },
    }),
    defineCommand({
      name: 'secret',
      description: 'Shows a private balance',
      options: {},
      private: true,
      run: () => ({ title: 'Balance', text: 'You hold 42.5 GRID' }),
    }),
    defineCommand({
      name: 'slow',
      description: 'Takes two seconds',
      options: {},
      async run() {
        await new Promise((resolve) => setTimeout(resolve, 2000))
        return { text: 'Finished the slow work.' }
      },
    }),
    defineCommand({
      name: 'slowsecret',
      description: 'Takes two seconds, answers privately',
      options: {},
      private: true,
      async run() {
        await new Promise((resolve) => setTimeout(resolve, 2000))
        return { text: 'Your private slow answer.' }
      },
    }),
    defineCommand({
      name: 'deal',
      description: 'Offers a deal with Confirm and Cancel buttons',
      options: {},
      run(_args, ctx) {
        return {
          text: 'Rent 2× H100 for 4 h at 9.6 GRID?',
          buttons: [
            { label: 'Confirm', action: ctx.action('deal.confirm', { quote: 'q1' }), style: 'success' },
            { label: 'Cancel', action: ctx.action('deal.cancel', null), style: 'danger' },
            { label: 'Pricing', url: 'https://gridshare.example.org/pricing' },
          ],
        }
      },
      actions: {
        'deal.confirm': (payload: { quote: string }) => ({ text: `Confirmed ${payload.quote}: rental r7k3p starts now.` }),
        'deal.cancel': () => ({ text: 'Cancelled.' }),
      },
    }),
    defineCommand({
      name: 'echo',
      description: 'Repeats text',
      options: { text: opt.string({ description: 'What to repeat', required: true, rest: true }) },
      run: ({ text }) => ({ text }),
    }),
    defineCommand({
      name: 'where',
      description: 'Says where it was run',
      options: {},
      run: (_args, ctx) => ({ text: `${ctx.chat.kind} chat ${ctx.chat.id}, user ${ctx.user.name} (${ctx.user.id})` }),
    }),
    defineCommand({
      name: 'long',
      description: 'A reply longer than one Discord message',
      options: {},
      run: () => ({
        title: 'Capacity',
        text: Array.from({ length: 200 }, (_, i) => `line ${i}: ${'x'.repeat(40)}`).join('\n'),
        table: { columns: ['model', 'free'], rows: Array.from({ length: 40 }, (_, i) => [`H100-${i}`, String(i)]) },
      }),
    }),
    defineCommand({
      name: 'boom',
      description: 'Fails inside the handler',
      options: {},
      run() {
        throw new Error('database is locked at /var/lib/gridshare/secret.db')
      },
    }),
  ]
}
