import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { parseAddress } from '../src/identity/WalletLinking.ts'

export default defineCommand({
  name: 'withdraw',
  description: 'Withdraw available funds to your linked wallet',
  options: {
    amount: opt.string({ description: 'Amount in tokens, e.g. 12.5', required: true, expected: 'an amount such as 12.5' }),
    to: opt.string({ description: 'Which linked wallet (default: the first); it must be linked longer than the security hold', expected: 'a 0x address' }),
  },
  private: true,
  examples: ['/withdraw 12.5'],
  run({ amount, to }, ctx) {
    const value = ctx.units.parse(amount, 'amount to withdraw')
    const payout = ctx.payouts.requestWithdrawal({ accountId: ctx.accountId, amount: value, to: to ? parseAddress(to) : undefined })
    return { text: `Withdrawal ${payout.id} of ${ctx.units.display(value)} to ${payout.toAddress} is queued; you get a message when it is confirmed on-chain.` }
  },
})
