import { and, eq } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { NOTIFICATION_TOPICS, notificationPreferences, type NotificationTopic } from '../db/schema/outbox.ts'

/** Every topic is on unless the user turned it off: they are all things a user
 *  acted to be part of (a rental, a deposit, a node, an alert, a vote). */
export const TOPIC_DEFAULTS: Record<NotificationTopic, boolean> = { jobs: true, payments: true, provider: true, alerts: true, governance: true, delegation: true }

export const TOPIC_DESCRIPTIONS: Record<NotificationTopic, string> = {
  jobs: 'your rentals start, end, fail or move',
  payments: 'deposits, withdrawals and payouts',
  provider: 'your nodes go offline or come back, and earnings',
  alerts: 'capacity matching your saved /alert searches',
  governance: 'new proposals, reminders before votes close, results',
  delegation: 'your delegate voted with your power',
}

export function topicEnabled(db: Db, accountId: number, topic: string): boolean {
  if (!(NOTIFICATION_TOPICS as readonly string[]).includes(topic)) return true
  const row = db
    .select({ enabled: notificationPreferences.enabled })
    .from(notificationPreferences)
    .where(and(eq(notificationPreferences.accountId, accountId), eq(notificationPreferences.topic, topic)))
    .get()
  return row?.enabled ?? TOPIC_DEFAULTS[topic as NotificationTopic]
}

export function setTopic(db: Db, accountId: number, topic: NotificationTopic, enabled: boolean): void {
  db.insert(notificationPreferences)
    .values({ accountId, topic, enabled })
    .onConflictDoUpdate({ target: [notificationPreferences.accountId, notificationPreferences.topic], set: { enabled } })
    .run()
}

export function listTopics(db: Db, accountId: number): { topic: NotificationTopic; enabled: boolean }[] {
  return NOTIFICATION_TOPICS.map((topic) => ({ topic, enabled: topicEnabled(db, accountId, topic) }))
}
