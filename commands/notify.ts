import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { NOTIFICATION_TOPICS } from '../src/db/schema/outbox.ts'
import { UserError } from '../src/errors/AppError.ts'
import { TOPIC_DESCRIPTIONS } from '../src/notify/preferences.ts'
import { echoInput } from '../src/errors/echoInput.ts'

export default defineCommand({
  name: 'notify',
  description: 'Show or change which notifications you get, and quiet hours',
  options: {
    topic: opt.choice({ description: 'Notification topic, or quiet for quiet hours', choices: [...NOTIFICATION_TOPICS, 'quiet'] }),
    state: opt.string({ description: 'on or off; for quiet: UTC hours like 22-7, or off', expected: 'on or off (quiet: hours like 22-7, or off)' }),
  },
  private: true,
  examples: ['/notify', '/notify governance off', '/notify quiet 22-7'],
  run({ topic, state }, ctx) {
    const value = state?.toLowerCase()
    if (topic === 'quiet') {
      if (value === 'off') {
        ctx.notifications.setQuietHours(ctx.accountId, null)
        return { text: 'Quiet hours are off.' }
      }
      const hours = /^(\d{1,2})-(\d{1,2})$/.exec(value ?? '')
      const [startHour, endHour] = hours ? [Number(hours[1]), Number(hours[2])] : [NaN, NaN]
      if (!hours || startHour > 23 || endHour > 23 || startHour === endHour) {
        throw new UserError('Give quiet hours as two different UTC hours from 0 to 23, like /notify quiet 22-7, or /notify quiet off.')
      }
      ctx.notifications.setQuietHours(ctx.accountId, { startHour, endHour })
      return { text: `Quiet hours set: from ${startHour}:00 to ${endHour}:00 UTC, messages other than job notices wait until the end.` }
    }
    if (topic && value) {
      if (value !== 'on' && value !== 'off') throw new UserError(`Say on or off: /notify ${topic} on, not "${echoInput(state ?? '')}".`)
      ctx.notifications.setTopic(ctx.accountId, topic, value === 'on')
      return { text: `${topic} notifications are now ${value}.` }
    }
    if (topic) return { text: `Say on or off: /notify ${topic} on` }
    const quiet = ctx.notifications.quietHours(ctx.accountId)
    return {
      title: 'Your notifications',
      table: {
        columns: ['topic', 'state', 'about'],
        rows: ctx.notifications.listTopics(ctx.accountId).map((t) => [t.topic, t.enabled ? 'on' : 'off', TOPIC_DESCRIPTIONS[t.topic]]),
      },
      text: `Quiet hours: ${quiet ? `${quiet.startHour}:00–${quiet.endHour}:00 UTC` : 'none'}. Change a topic with /notify <topic> on|off, quiet hours with /notify quiet 22-7.`,
    }
  },
})
