import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { UserError } from '../src/errors/AppError.ts'

export default defineCommand({
  name: 'unlink',
  description: 'Remove a linked wallet from your account',
  options: {
    address: opt.string({ description: 'The wallet to remove (needed when you have several)', expected: 'a 0x address' }),
  },
  private: true,
  examples: ['/unlink', '/unlink 0x7099…79C8'],
  run({ address }, ctx) {
    const linked = ctx.linking.listWallets(ctx.accountId)
    if (linked.length === 0) throw new UserError('No wallet is linked to your account.')
    if (!address && linked.length > 1) throw new UserError('You have several wallets; say which: /unlink <address> (see /wallet).')
    const removed = ctx.linking.unlink({ accountId: ctx.accountId, address: address ?? linked[0]!.address })
    return { text: `Unlinked ${removed}.` }
  },
})
