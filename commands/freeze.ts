import { defineCommand } from '../src/command/defineCommand.ts'
import type { CommandContext } from '../src/command/CommandContext.ts'
import { FREEZE_ACTION } from '../src/identity/AccountSecurity.ts'
import { utcMinute } from '../src/time/utcMinute.ts'

function freeze(ctx: CommandContext) {
  const { frozenAt, already } = ctx.linking.freeze(ctx.accountId)
  return {
    text: already
      ? `Your account has been frozen since ${utcMinute(frozenAt)}; /unfreeze lifts it with a signature from a wallet your account held for the security hold before then.`
      : 'Your account is frozen: withdrawals, /authorize and votes signed by the bot are stopped. /unfreeze lifts it with a signature from a wallet your account held for the security hold before now.',
  }
}

export default defineCommand({
  name: 'freeze',
  description: 'Stop withdrawals and bot signing at once, after a change you did not make',
  options: {},
  private: true,
  examples: ['/freeze'],
  run: (_args, ctx) => freeze(ctx),
  actions: {
    [FREEZE_ACTION]: (_payload: null, ctx) => freeze(ctx),
  },
})
