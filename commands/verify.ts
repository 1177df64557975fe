import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'

export default defineCommand({
  name: 'verify',
  description: 'Finish linking (or unfreezing) with the signature of the message you were given',
  options: {
    signature: opt.string({ description: 'The signature, 0x…', required: true, expected: 'a signature, 0x followed by hex digits' }),
  },
  private: true,
  examples: ['/verify 0x3b1f…1c'],
  async run({ signature }, ctx) {
    const outcome = await ctx.linking.verifyLatest({ identityId: ctx.identityId, signature })
    const lines = [outcome.message]
    if (outcome.claimed > 0n) lines.push(`${ctx.units.display(outcome.claimed)} of earlier deposits from it are now in your balance.`)
    return { text: lines.join(' ') }
  },
})
