import { defineCommand } from '../src/command/defineCommand.ts'

export default defineCommand({
  name: 'revoke',
  description: 'Destroy the key that casts your Snapshot votes',
  options: {},
  private: true,
  examples: ['/revoke'],
  run(_args, ctx) {
    const destroyed = ctx.governance.revoke(ctx.accountId)
    if (destroyed === 0) return { text: 'The bot holds no Snapshot key for you, so there is nothing to revoke.' }
    return {
      text: `Destroyed the bot's Snapshot key for ${destroyed === 1 ? 'your wallet' : `your ${destroyed} wallets`}: it can no longer vote for you. Run /authorize if you want it back.`,
    }
  },
})
