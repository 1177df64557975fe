import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { NOTIFICATION_TOPICS } from '../src/db/schema/outbox.ts'
import { TOPIC_DESCRIPTIONS } from '../src/notify/preferences.ts'

export default defineCommand({
  name: 'notify',
  description: 'Show or change which notifications you get',
  options: {
    topic: opt.choice({ description: 'Notification topic', choices: NOTIFICATION_TOPICS }),
    state: opt.choice({ description: 'Turn it on or off', choices: ['on', 'off'] }),
  },
  private: true,
  examples: ['/notify', '/notify governance off'],
  run({ topic, state }, ctx) {
    if (topic && state) {
      ctx.notifications.setTopic(ctx.accountId, topic, state === 'on')
      return { text: `${topic} notifications are now ${state}.` }
    }
    if (topic) return { text: `Say on or off: /notify ${topic} on` }
    return {
      title: 'Your notifications',
      table: {
        columns: ['topic', 'state', 'about'],
        rows: ctx.notifications.listTopics(ctx.accountId).map((t) => [t.topic, t.enabled ? 'on' : 'off', TOPIC_DESCRIPTIONS[t.topic]]),
      },
      text: 'Change one with /notify <topic> on|off.',
    }
  },
})
