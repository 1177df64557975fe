import { defineCommand } from '../src/command/defineCommand.ts'
import { utcMinute } from '../src/time/utcMinute.ts'

export default defineCommand({
  name: 'wallet',
  description: 'Show the wallets linked to your account',
  options: {},
  private: true,
  run(_args, ctx) {
    const linked = ctx.linking.listWallets(ctx.accountId)
    if (linked.length === 0) return { text: 'No wallet is linked yet. Use /link to link one.' }
    // Withdrawals go only to wallets linked longer than the security hold.
    const holdMs = ctx.params.getNumber('security_hold_hours') * 3600_000
    return {
      title: 'Your wallets',
      table: {
        columns: ['address', 'linked', 'withdrawals from'],
        rows: linked.map((w) => [w.address, utcMinute(w.linkedAt), w.linkedAt + holdMs <= ctx.now ? 'now' : utcMinute(w.linkedAt + holdMs)]),
      },
    }
  },
})
