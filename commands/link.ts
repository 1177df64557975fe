import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { frameMessage, handSigningInstructions } from '../src/identity/handSignedMessage.ts'
import { MERGE_APPROVE_ACTION, MERGE_DENY_ACTION } from '../src/identity/MergeRequests.ts'

interface MergePayload {
  requestId: string
}

export default defineCommand({
  name: 'link',
  description: 'Link a wallet to your chat account with one signature',
  options: {
    address: opt.string({ description: 'Your wallet address, to get the message to sign by hand', expected: 'a 0x address' }),
  },
  private: true,
  examples: ['/link', '/link 0x70997970C51812dc3A010C7d01b50e0d17dc79C8'],
  run({ address }, ctx) {
    const challenge = ctx.linking.createChallenge({ identityId: ctx.identityId, address })
    const minutes = Math.round((challenge.expiresAt - ctx.now) / 60_000)
    const secret = 'The link works once, only for you: never share it, and never sign a link someone else sends you.'
    if (!challenge.message) {
      return {
        title: 'Link your wallet',
        text: `Open the page below and sign with your wallet to link it to ${challenge.identity} (valid ${minutes} minutes). ${secret} To sign by hand instead, send /link <your wallet address>.`,
        buttons: [{ label: 'Sign in with your wallet', url: challenge.url }],
      }
    }
    return {
      title: 'Link your wallet',
      // The message comes last: copied from the BEGIN line to the END line, nothing after it can slip in.
      text: handSigningInstructions({ address: challenge.address, minutes, url: challenge.url, extra: secret }),
      code: frameMessage(challenge.message),
    }
  },
  actions: {
    [MERGE_APPROVE_ACTION]: (payload: MergePayload, ctx) => ({ text: ctx.linking.decideMerge({ requestId: payload.requestId, accountId: ctx.accountId, approve: true }).message }),
    [MERGE_DENY_ACTION]: (payload: MergePayload, ctx) => ({ text: ctx.linking.decideMerge({ requestId: payload.requestId, accountId: ctx.accountId, approve: false }).message }),
  },
})
