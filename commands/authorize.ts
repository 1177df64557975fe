import { defineCommand } from '../src/command/defineCommand.ts'
import { UserError } from '../src/errors/AppError.ts'
import { utcMinute } from '../src/time/utcMinute.ts'

export default defineCommand({
  name: 'authorize',
  description: 'Let the bot cast your Snapshot votes for 30 days, with one signature',
  options: {},
  private: true,
  examples: ['/authorize'],
  run(_args, ctx) {
    const governance = ctx.governance
    // The authorization is signed by a linked wallet: without one the page could only fail.
    if (governance.snapshotSpace && ctx.linking.listWallets(ctx.accountId).length === 0) {
      throw new UserError('Link a wallet first: /link, then /authorize; the authorization is signed by a linked wallet that holds your voting power.')
    }
    const request = governance.authorize(ctx.accountId)
    return {
      title: 'Vote on Snapshot from chat',
      text:
        `Open the page and sign once with a linked wallet (valid until ${utcMinute(request.expiresAt)}). ` +
        `That makes ${request.alias}, a key the bot keeps sealed for you, your Snapshot alias for 30 days. ` +
        'On Snapshot an alias counts in every space and can also sign proposals and other messages for your wallet; ' +
        `this bot signs only the votes you cast here, in ${governance.snapshotSpace}. /revoke destroys the key.`,
      buttons: [{ label: 'Sign the authorization', url: request.url }],
    }
  },
})
