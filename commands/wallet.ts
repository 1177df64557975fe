import { defineCommand } from '../src/command/defineCommand.ts'

export default defineCommand({
  name: 'wallet',
  description: 'Show the wallets linked to your account',
  options: {},
  private: true,
  run(_args, ctx) {
    const linked = ctx.linking.listWallets(ctx.accountId)
    if (linked.length === 0) return { text: 'No wallet is linked yet. Use /link to link one.' }
    return {
      title: 'Your wallets',
      table: {
        columns: ['address', 'linked'],
        rows: linked.map((w) => [w.address, new Date(w.linkedAt).toISOString().slice(0, 16).replace('T', ' ') + ' UTC']),
      },
    }
  },
})
