import { defineCommand } from '../src/command/defineCommand.ts'
import { utcMinute } from '../src/time/utcMinute.ts'

export default defineCommand({
  name: 'authorize',
  description: 'Let the bot cast your Snapshot votes for 30 days, with one signature',
  options: {},
  private: true,
  examples: ['/authorize'],
  run(_args, ctx) {
    const governance = ctx.governance
    const request = governance.authorize(ctx.accountId)
    return {
      title: 'Vote on Snapshot from chat',
      text:
        `Open the page and sign once with a linked wallet (valid until ${utcMinute(request.expiresAt)}). ` +
        `That makes ${request.alias}, a key the bot keeps sealed for you, your Snapshot alias in ${governance.snapshotSpace}: ` +
        'it can cast your votes for 30 days and do nothing else. /revoke destroys it.',
      buttons: [{ label: 'Sign the authorization', url: request.url }],
    }
  },
})
