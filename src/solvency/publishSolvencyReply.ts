import type { CommandContext } from '../command/CommandContext.ts'
import type { Reply } from '../command/reply.ts'
import { UserError } from '../errors/AppError.ts'
import { solvencySummary } from './solvencyView.ts'

/** /admin solvency: publish a snapshot now and say what it shows. */
export async function publishSolvencyReply(ctx: Pick<CommandContext, 'solvency' | 'units' | 'publicUrl' | 'logger'>): Promise<Reply> {
  const reading = await ctx.solvency.refreshReserves().catch((error: unknown) => {
    ctx.logger.warn({ err: error }, 'reserves not read for /admin solvency')
    throw new UserError('The treasury balance could not be read from the chain, so no snapshot was published; try /admin solvency again in a minute.')
  })
  const view = ctx.solvency.record(reading)
  return {
    title: `Proof of solvency ${view.number} published`,
    text: solvencySummary(view, ctx.units) + (view.solvent ? '' : ' Admins were alerted and /healthz reports degraded.'),
    fields: [
      { name: 'Liabilities root', value: view.root },
      { name: 'Accounts', value: String(view.accountCount) },
      { name: 'Published at', value: `${ctx.publicUrl}/api/v1/solvency/${view.number}` },
    ],
  }
}
