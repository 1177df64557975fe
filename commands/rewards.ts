import { defineCommand } from '../src/command/defineCommand.ts'
import { unpaidStatementNote } from '../src/rewards/payoutNote.ts'
import { utcMinute } from '../src/time/utcMinute.ts'

export default defineCommand({
  name: 'rewards',
  description: 'Your provider rewards: this epoch so far, past epochs with Merkle proofs',
  options: {},
  private: true,
  run(_args, ctx) {
    const { units } = ctx
    const carriedInText = (carried: bigint) => (carried > 0n ? `${units.display(carried)} carried in + ` : '')
    const estimate = ctx.rewards.estimate(ctx.accountId)
    const statements = ctx.rewards.statements(ctx.accountId)
    if (estimate.nodes.length === 0 && statements.length === 0) {
      return { text: 'No rewards yet: rewards go to nodes registered under your linked wallets (see /provider).' }
    }
    const fields = [
      {
        name: `Epoch ${estimate.number} (since ${utcMinute(estimate.startsAt)}), so far`,
        value: `${units.display(estimate.emission)} emission + ${units.display(estimate.earnings)} rental earnings; ${estimate.nodes
          .map((n) => `${n.nodeId}: ${n.verifiedGpuHours} verified GPU-h (${n.servedGpuHours} served), ${(n.uptimeBps / 100).toFixed(1)}% up${n.renewable ? ', renewable' : ''}${n.eligible ? '' : ', below the uptime minimum'}`)
          .join('; ') || 'no uptime yet'}`,
      },
      ...statements.map((s) => ({
        name: `Epoch ${s.epoch}`,
        value:
          `${units.display(BigInt(s.total))} (${carriedInText(BigInt(s.total) - BigInt(s.emission) - BigInt(s.earnings))}${units.display(BigInt(s.emission))} emission + ${units.display(BigInt(s.earnings))} earnings), ` +
          (s.payout ? `payout ${s.payout.status}${s.payout.txHash ? ` in ${s.payout.txHash}` : ''}` : unpaidStatementNote(BigInt(s.total), s.minPayout, units)) +
          (s.proof ? `\nleaf [${s.proof.leaf.join(', ')}] root ${s.root}\nproof ${JSON.stringify(s.proof.proof)}` : ''),
      })),
    ]
    // One picture per reply: the earnings of the wallet the latest statement paid, else the first linked one.
    const address = statements[0]?.address ?? ctx.linking.listWallets(ctx.accountId)[0]?.address
    const image = address && { url: `${ctx.publicUrl}/charts/earnings.png?address=${address}`, alt: `Earnings of ${address} by epoch` }
    return { title: 'Your rewards', fields, text: `Statements: ${ctx.publicUrl}/api/v1/epochs/<n>`, ...(image ? { image } : {}) }
  },
})
