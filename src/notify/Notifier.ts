import { and, asc, eq, getTableColumns, isNotNull, isNull, lte, or, sql } from 'drizzle-orm'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { Logger } from '../app/logger.ts'
import type { SecretBox } from '../app/SecretBox.ts'
import type { Reply } from '../command/reply.ts'
import type { Db } from '../db/openDatabase.ts'
import { chatIdentities } from '../db/schema/identity.ts'
import type { Platform } from '../identity/ChatUser.ts'
import { DM_RETRY_AFTER_MS } from '../identity/dmReachability.ts'
import { announcementChannels, deliveries, notifications } from '../db/schema/outbox.ts'
import { DeliveryError } from './DeliveryError.ts'
import { SEALED_PREFIX } from './enqueueNotification.ts'
import { topicEnabled } from './preferences.ts'
import { deliverableAt, quietWindowOf } from './quietHours.ts'

/** Where the notifier sends; each chat adapter provides one. */
export interface Destination {
  sendPrivate(userId: string, reply: Reply): Promise<void>
  sendToChannel(channelId: string, reply: Reply): Promise<void>
}

export interface NotifierDeps {
  db: Db
  logger: Logger
  clock: () => number
  secrets: SecretBox
  destinations: Map<string, Destination>
  registry?: Registry
  /** Deliveries in flight at once across all chats (backpressure for large fan-outs). */
  concurrency?: number
  maxAttempts?: number
  random?: () => number
}

/** A due delivery with what it sends: read in one query, not one more per message. */
type Delivery = typeof deliveries.$inferSelect & { reply: string; createdAt: number }

/** lastError of a delivery resent after a crash caught it mid-send. */
export const INTERRUPTED_SEND = 'interrupted by a restart while sending; sent again, so it may arrive twice'

/** Delivers the outbox: fans each notification out to the recipient's chat
 *  identities (or the announcement channels), then sends with retries and
 *  backoff. At least once, deduplicated per (notification, destination), in
 *  order per destination. */
export class Notifier {
  private readonly metrics
  private running: Promise<number> | undefined

  constructor(private readonly deps: NotifierDeps) {
    const registers = deps.registry ? [deps.registry] : []
    this.metrics = {
      sent: new Counter({ name: 'gridshare_notifications_sent_total', help: 'Notifications delivered, by platform', labelNames: ['platform'], registers }),
      failed: new Counter({ name: 'gridshare_notifications_failed_total', help: 'Failed delivery attempts, by platform and reason', labelNames: ['platform', 'reason'], registers }),
      latency: new Histogram({
        name: 'gridshare_notification_latency_seconds',
        help: 'From the event to the message being sent',
        labelNames: ['platform'],
        buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
        registers,
      }),
      depth: new Gauge({
        name: 'gridshare_notification_queue_depth',
        help: 'Deliveries waiting to be sent',
        registers,
        collect: () => {
          const { n } = deps.db.select({ n: sql<number>`count(*)` }).from(deliveries).where(eq(deliveries.status, 'pending')).get()!
          this.metrics.depth.set(n)
        },
      }),
    }
  }

  /** After a crash, deliveries caught mid-send go back to pending and are sent again: the
   *  platform may have taken the first send before the crash, and chat APIs take no
   *  idempotency key, so such a message can arrive twice. Marked, so an audit can tell. */
  recover(): number {
    return this.deps.db
      .update(deliveries)
      .set({ status: 'pending', attempts: sql`${deliveries.attempts} + 1`, lastError: INTERRUPTED_SEND })
      .where(eq(deliveries.status, 'sending'))
      .run().changes
  }

  /** One pass: fan out new notifications, send what is due; returns how many the platforms
   *  accepted. Concurrent calls share one pass. */
  run(): Promise<number> {
    this.running ??= (async () => {
      try {
        this.fanOut()
        return await this.sendDue()
      } finally {
        this.running = undefined
      }
    })()
    return this.running
  }

  fanOut(): number {
    const { db, clock } = this.deps
    const now = clock()
    const fresh = db.select().from(notifications).where(isNull(notifications.fannedOutAt)).orderBy(asc(notifications.id)).limit(5000).all()
    db.transaction((tx) => {
      for (const note of fresh) {
        const targets =
          note.accountId === null
            ? tx.select({ platform: announcementChannels.platform, destination: announcementChannels.channelId }).from(announcementChannels).all().map((t) => ({ ...t, kind: 'channel' as const }))
            : topicEnabled(tx, note.accountId, note.topic)
              ? tx
                  .select({ platform: chatIdentities.platform, destination: chatIdentities.platformUserId })
                  .from(chatIdentities)
                  .where(and(eq(chatIdentities.accountId, note.accountId), dmReachableOrRetryDue(now)))
                  .all()
                  .map((t) => ({ ...t, kind: 'dm' as const }))
              : []
        // Job notices (a rental started, with its connection details) and security changes are never held back.
        const sendAt = note.accountId === null || note.topic === 'jobs' || note.topic === 'security' ? now : deliverableAt(quietWindowOf(tx, note.accountId), now)
        for (const target of targets) {
          tx.insert(deliveries)
            .values({ notificationId: note.id, ...target, status: 'pending', nextAttemptAt: sendAt })
            .onConflictDoNothing()
            .run()
        }
        tx.update(notifications).set({ fannedOutAt: now }).where(eq(notifications.id, note.id)).run()
      }
    })
    return fresh.length
  }

  private async sendDue(): Promise<number> {
    const { db, clock, concurrency = 32 } = this.deps
    const now = clock()
    const due = db
      .select({ ...getTableColumns(deliveries), reply: notifications.reply, createdAt: notifications.createdAt })
      .from(deliveries)
      .innerJoin(notifications, eq(notifications.id, deliveries.notificationId))
      .where(and(eq(deliveries.status, 'pending'), lte(deliveries.nextAttemptAt, now)))
      .orderBy(asc(deliveries.id))
      .limit(10_000)
      .all()
    // Per destination in id order; a destination waiting on a retry holds its later
    // messages. (Messages held for quiet hours have no error and hold nothing.)
    const waiting = new Set(
      db
        .select({ platform: deliveries.platform, destination: deliveries.destination })
        .from(deliveries)
        .where(and(eq(deliveries.status, 'pending'), sql`${deliveries.nextAttemptAt} > ${now}`, isNotNull(deliveries.lastError)))
        .all()
        .map((d) => `${d.platform}:${d.destination}`),
    )
    const queues = new Map<string, Delivery[]>()
    for (const delivery of due) {
      const key = `${delivery.platform}:${delivery.destination}`
      if (waiting.has(key)) continue
      queues.set(key, [...(queues.get(key) ?? []), delivery])
    }
    let sent = 0
    const lanes = [...queues.values()]
    let next = 0
    const worker = async () => {
      while (next < lanes.length) {
        const lane = lanes[next++]!
        for (const delivery of lane) {
          const outcome = await this.sendOne(delivery)
          if (outcome === 'stop') break
          if (outcome === 'sent') sent++
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, lanes.length) }, worker))
    return sent
  }

  /** 'sent'; 'passed' when it was not sent but the lane moves on (no platform, another
   *  notifier's claim, a message the platform rejected); 'stop' ends the lane for this pass. */
  private async sendOne(delivery: Delivery): Promise<'sent' | 'passed' | 'stop'> {
    const { db, clock, logger, destinations, maxAttempts = 8, random = Math.random } = this.deps
    const destination = destinations.get(delivery.platform)
    if (!destination) {
      db.update(deliveries).set({ status: 'skipped', lastError: 'platform not connected' }).where(eq(deliveries.id, delivery.id)).run()
      return 'passed'
    }
    const claimed = db.update(deliveries).set({ status: 'sending' }).where(and(eq(deliveries.id, delivery.id), eq(deliveries.status, 'pending'))).run()
    if (claimed.changes === 0) return 'passed'
    try {
      const reply = this.openReply(delivery.reply)
      if (delivery.kind === 'dm') await destination.sendPrivate(delivery.destination, reply)
      else await destination.sendToChannel(delivery.destination, reply)
      const now = clock()
      db.update(deliveries).set({ status: 'sent', sentAt: now, attempts: delivery.attempts + 1 }).where(eq(deliveries.id, delivery.id)).run()
      this.metrics.sent.inc({ platform: delivery.platform })
      this.metrics.latency.observe({ platform: delivery.platform }, Math.max(0, now - delivery.createdAt) / 1000)
      return 'sent'
    } catch (error) {
      const kind = error instanceof DeliveryError ? error.kind : 'transient'
      this.metrics.failed.inc({ platform: delivery.platform, reason: kind })
      const attempts = delivery.attempts + 1
      const now = clock()
      if (kind === 'unreachable' || kind === 'rejected' || attempts >= maxAttempts) {
        db.transaction((tx) => {
          tx.update(deliveries).set({ status: 'failed', attempts, lastError: String((error as Error).message).slice(0, 300) }).where(eq(deliveries.id, delivery.id)).run()
          if (kind === 'unreachable' && delivery.kind === 'dm') {
            // Also when a retry failed: the wait before the next one starts again.
            tx.update(chatIdentities)
              .set({ dmUnreachableAt: now })
              .where(and(eq(chatIdentities.platform, delivery.platform as 'telegram'), eq(chatIdentities.platformUserId, delivery.destination)))
              .run()
          }
        })
        logger.warn({ platform: delivery.platform, delivery: delivery.id, kind, attempts }, 'notification delivery gave up')
        return kind === 'rejected' ? 'passed' : 'stop'
      }
      const delay =
        kind === 'rate_limited' && error instanceof DeliveryError && error.retryAfterMs !== undefined
          ? error.retryAfterMs
          : Math.min(300_000, 1000 * 2 ** (attempts - 1)) * (0.8 + 0.4 * random())
      db.update(deliveries)
        .set({ status: 'pending', attempts: kind === 'rate_limited' ? delivery.attempts : attempts, nextAttemptAt: now + Math.round(delay), lastError: String((error as Error).message).slice(0, 300) })
        .where(eq(deliveries.id, delivery.id))
        .run()
      return 'stop'
    }
  }

  private openReply(stored: string): Reply {
    return JSON.parse(stored.startsWith(SEALED_PREFIX) ? this.deps.secrets.open(stored.slice(SEALED_PREFIX.length)) : stored) as Reply
  }
}

/** Identities to DM now: reachable, or unreachable long enough on a platform
 *  that cannot tell us when DMs open again (DM_RETRY_AFTER_MS). */
function dmReachableOrRetryDue(now: number) {
  const due = Object.entries(DM_RETRY_AFTER_MS).map(([platform, wait]) =>
    and(eq(chatIdentities.platform, platform as Platform), lte(chatIdentities.dmUnreachableAt, now - wait!)),
  )
  return or(isNull(chatIdentities.dmUnreachableAt), ...due)
}
