import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { UserError } from '../src/errors/AppError.ts'
import { structuredParameterText } from '../src/governance/structuredParameterText.ts'
import { describeEpochOutcome } from '../src/rewards/epochOutcome.ts'
import { publishSolvencyReply } from '../src/solvency/publishSolvencyReply.ts'
import { utcMinute } from '../src/time/utcMinute.ts'

const ACTIONS = ['params', 'announce', 'set', 'epoch', 'solvency'] as const

export default defineCommand({
  name: 'admin',
  description: 'Operator tools: parameters, announcement channel, epoch close, proof of solvency',
  adminOnly: true,
  options: {
    action: opt.choice({ description: 'What to do', choices: ACTIONS, required: true }),
    args: opt.string({ description: 'Arguments, e.g. "here" or "stop" for announce', rest: true }),
  },
  examples: ['/admin params', '/admin set protocol_fee_bps 400', '/admin announce here', '/admin epoch close', '/admin solvency'],
  run({ action, args }, ctx) {
    const words = (args ?? '').split(/\s+/).filter(Boolean)
    switch (action) {
      case 'params': {
        const params = ctx.params.list().map((p) => ({ ...p, setBy: p.setByProposal ? `proposal ${p.setByProposal}` : 'default', structured: structuredParameterText(p.value) }))
        // Tables (GPU weights, images) go below the table, wrapped: in a cell they made rows 200 columns wide.
        const below = params.filter((p) => p.structured !== undefined).map((p) => `${p.name} (${p.setBy}):\n${p.structured!.replace(/^/gm, '  ')}`)
        return {
          title: 'Protocol parameters',
          table: { columns: ['name', 'value', 'set by'], rows: params.map((p) => [p.name, p.structured === undefined ? p.value : 'below', p.setBy]) },
          ...(below.length > 0 ? { code: below.join('\n') } : {}),
        }
      }
      case 'announce': {
        if (words[0] === 'here') {
          const added = ctx.notifications.addAnnouncementChannel(ctx.user.platform, ctx.chat.id)
          return { text: added ? 'This chat now receives announcements: new proposals, results and epoch summaries.' : 'This chat already receives announcements.' }
        }
        if (words[0] === 'stop') {
          const removed = ctx.notifications.removeAnnouncementChannel(ctx.user.platform, ctx.chat.id)
          return { text: removed ? 'This chat no longer receives announcements.' : 'This chat was not receiving announcements.' }
        }
        throw new UserError('Say where: /admin announce here, or /admin announce stop.')
      }
      case 'epoch': {
        if (words[0] !== 'close') throw new UserError('Say what to do: /admin epoch close.')
        // Reserves first, so the close's solvency snapshot reads them at one block.
        return ctx.solvency.prepareEpochClose().then(() => {
          const epoch = ctx.rewards.epochs.close(ctx.now)
          const outcome = ctx.rewards.outcome(epoch.number)
          // The root of an empty tree proves nothing: named only when something is paid.
          const root = outcome.payouts > 0 ? ` Merkle root ${epoch.merkleRoot}.` : ''
          return {
            text: `Epoch ${epoch.number} closed (${utcMinute(epoch.startsAt)} to ${utcMinute(epoch.endsAt)}, emission ${ctx.units.display(BigInt(epoch.emission))}). ${describeEpochOutcome(outcome, ctx.units)}${root} Statement: ${ctx.publicUrl}/api/v1/epochs/${epoch.number}`,
          }
        })
      }
      case 'solvency':
        return publishSolvencyReply(ctx)
      case 'set': {
        const [name, value] = words
        if (!name || !value) throw new UserError('Give a name and a value: /admin set protocol_fee_bps 400.')
        ctx.params.set(name, value, { setByProposal: null, now: ctx.now })
        return { text: `${name} is now ${value}.` }
      }
    }
  },
})
