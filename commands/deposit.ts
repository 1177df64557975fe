import { defineCommand } from '../src/command/defineCommand.ts'

export default defineCommand({
  name: 'deposit',
  description: 'How to add funds: send tokens from your linked wallet',
  options: {},
  private: true,
  run(_args, ctx) {
    const wallets = ctx.linking.listWallets(ctx.accountId)
    const { chain, units } = ctx
    return {
      title: `Deposit ${units.symbol}`,
      text:
        `Send ${units.symbol} from ${wallets.length ? 'your linked wallet' : 'a wallet you then /link'} to the treasury address. ` +
        (chain.confirmations === 0 ? 'It is credited as soon as it is mined' : `It is credited after ${chain.confirmations} confirmations`) +
        '; deposits from a wallet not yet linked wait until you link it.',
      fields: [
        { name: 'Treasury', value: chain.treasury },
        { name: 'Token', value: `${units.symbol} at ${chain.token}` },
        { name: 'Chain', value: `${chain.chainId}${chain.devChain ? ' (local dev chain)' : ''}` },
      ],
    }
  },
})
