import help from '../../../commands/help.ts'
import { defineCommand } from '../../../src/command/defineCommand.ts'
import { opt } from '../../../src/command/options.ts'

/** Commands shaped like the product's, small enough to assert on exactly. */
const echo = defineCommand({
  name: 'echo',
  description: 'Repeat a word back',
  options: {
    word: opt.string({ description: 'What to repeat', required: true }),
    times: opt.integer({ description: 'How many times', min: 1, max: 5, default: 1 }),
    title: opt.string({ description: 'A heading for the answer' }),
  },
  examples: ['/echo hello times:3'],
  run: ({ word, times, title }) => ({ title, text: Array.from({ length: times }, () => word).join(' ') }),
})

const order = defineCommand({
  name: 'order',
  description: 'Order something, with a confirmation',
  options: { item: opt.string({ description: 'What to order', required: true, rest: true }) },
  run: ({ item }, ctx) => ({
    text: `Order ${item}?`,
    buttons: [
      { label: 'Confirm', action: ctx.action('order.confirm', { item }), style: 'success' },
      { label: 'Cancel', action: ctx.action('order.cancel', { item }) },
      { label: 'Menu', url: 'https://example.org/menu' },
    ],
  }),
  actions: {
    'order.confirm': (payload: { item: string }) => ({ title: 'Order placed', text: `You ordered ${payload.item}.` }),
    'order.cancel': () => ({ text: 'Order cancelled.' }),
  },
})

const balance = defineCommand({
  name: 'balance',
  description: 'Your balance',
  options: {},
  private: true,
  run: (_args, ctx) => ({ title: 'Your balance', fields: [{ name: 'Available', value: `12.5 GRID (${ctx.user.name})` }] }),
})

const report = defineCommand({
  name: 'report',
  description: 'A long usage table',
  options: { rows: opt.integer({ description: 'Rows to show', min: 1, max: 5000, default: 400 }) },
  run: ({ rows }) => ({
    title: 'Usage report',
    text: 'Hours per node this epoch:',
    table: {
      columns: ['node', 'gpu', 'hours', 'note'],
      rows: Array.from({ length: rows }, (_, i) => [`node-${i}`, 'H100-80GB', String(i % 24), i % 7 === 0 ? '<maintenance> & more' : 'ok']),
    },
  }),
})

/** Public buttons with a private outcome: the vote is shown to the group, the receipt is not. */
const poll = defineCommand({
  name: 'poll',
  description: 'Vote on a question, with buttons',
  options: {},
  run: (_args, ctx) => ({
    text: 'Raise the price floor?',
    buttons: [
      { label: 'For', action: ctx.action('poll.vote', { choice: 'For' }) },
      { label: 'Against', action: ctx.action('poll.vote', { choice: 'Against' }) },
    ],
  }),
  actions: {
    'poll.vote': (payload: { choice: string }, ctx) => ({ text: `You voted ${payload.choice}. Receipt for ${ctx.user.name}: r-${ctx.accountId}`, private: true }),
  },
})

const epoch = defineCommand({
  name: 'epoch',
  description: 'Close the epoch now',
  options: {},
  adminOnly: true,
  run: () => ({ text: 'Epoch closed.' }),
})

/** The product's /help and these; not the whole registry, which grows and would clash. */
export const telegramTestCommands = [help, echo, order, balance, report, poll, epoch]
