import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

export const NOTIFICATION_TOPICS = ['jobs', 'payments', 'governance', 'alerts', 'provider', 'delegation'] as const
export type NotificationTopic = (typeof NOTIFICATION_TOPICS)[number]

/** The transactional outbox: written in the same transaction as its cause;
 *  the dedupe key makes the same event one row however often it is written. */
export const notifications = sqliteTable(
  'notifications',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    dedupeKey: text('dedupe_key').notNull().unique(),
    /** The account to DM, or null for an announcement to channels. */
    accountId: integer('account_id'),
    topic: text('topic').notNull(),
    /** A platform-neutral Reply as JSON. */
    reply: text('reply').notNull(),
    createdAt: integer('created_at').notNull(),
    /** Set once every delivery for it has been planned. */
    fannedOutAt: integer('fanned_out_at'),
  },
  (t) => [index('notifications_pending').on(t.fannedOutAt)],
)

/** One per (notification, destination); sent at most once thanks to the unique index. */
export const deliveries = sqliteTable(
  'deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    notificationId: integer('notification_id')
      .notNull()
      .references(() => notifications.id),
    platform: text('platform').notNull(),
    /** A user id (DM) or a channel id (announcement). */
    destination: text('destination').notNull(),
    kind: text('kind', { enum: ['dm', 'channel'] }).notNull(),
    status: text('status', { enum: ['pending', 'sending', 'sent', 'failed', 'skipped'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    sentAt: integer('sent_at'),
  },
  (t) => [
    uniqueIndex('deliveries_once').on(t.notificationId, t.platform, t.destination),
    index('deliveries_due').on(t.status, t.nextAttemptAt),
  ],
)

/** Channels and groups that receive announcements (set by /admin announce here). */
export const announcementChannels = sqliteTable(
  'announcement_channels',
  {
    platform: text('platform').notNull(),
    channelId: text('channel_id').notNull(),
    addedAt: integer('added_at').notNull(),
  },
  (t) => [uniqueIndex('announcement_channels_unique').on(t.platform, t.channelId)],
)

/** Per-account topic switches; a missing row means the topic's default. */
export const notificationPreferences = sqliteTable(
  'notification_preferences',
  {
    accountId: integer('account_id').notNull(),
    topic: text('topic').notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull(),
  },
  (t) => [uniqueIndex('notification_preferences_unique').on(t.accountId, t.topic)],
)

/** Hours (UTC) in which an account's DMs wait, except job notices. */
export const quietHours = sqliteTable('quiet_hours', {
  accountId: integer('account_id').primaryKey(),
  startHour: integer('start_hour').notNull(),
  endHour: integer('end_hour').notNull(),
})
