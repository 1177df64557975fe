import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { frameMessage, handSigningInstructions } from '../src/identity/handSignedMessage.ts'

export default defineCommand({
  name: 'unfreeze',
  description: 'Lift a freeze with a signature from a wallet held since well before it',
  options: {
    address: opt.string({ description: 'The wallet you will sign with, to get the message to sign by hand', expected: 'a 0x address' }),
  },
  private: true,
  examples: ['/unfreeze', '/unfreeze 0x70997970C51812dc3A010C7d01b50e0d17dc79C8'],
  run({ address }, ctx) {
    const challenge = ctx.linking.createUnfreezeChallenge({ identityId: ctx.identityId, accountId: ctx.accountId, address })
    const minutes = Math.round((challenge.expiresAt - ctx.now) / 60_000)
    if (!challenge.message) {
      return {
        title: 'Unfreeze your account',
        text: `Open the page below and sign with a wallet your account held for the security hold before the freeze (valid ${minutes} minutes). To sign by hand instead, send /unfreeze <that wallet's address>.`,
        buttons: [{ label: 'Sign with your wallet', url: challenge.url }],
      }
    }
    return {
      title: 'Unfreeze your account',
      // The message comes last: copied from the BEGIN line to the END line, nothing after it can slip in.
      text: handSigningInstructions({ address: challenge.address, minutes, url: challenge.url }),
      code: frameMessage(challenge.message),
    }
  },
})
