import type { SecretBox } from '../app/SecretBox.ts'
import type { Reply } from '../command/reply.ts'
import type { Db } from '../db/openDatabase.ts'
import { notifications, type NotificationTopic } from '../db/schema/outbox.ts'

/** Appends to the outbox. Call inside the transaction that makes the change
 *  it reports; a repeated dedupe key is ignored, so retries add nothing. */
export function enqueueNotification(
  db: Db,
  params: {
    dedupeKey: string
    accountId: number | null
    /** 'security': account changes, never muted and never held back by quiet hours. */
    topic: NotificationTopic | 'announcements' | 'security'
    reply: Reply
    now: number
    /** Seals the stored reply (connection details must not sit in the outbox in clear). */
    sealWith?: SecretBox
  },
): void {
  const json = JSON.stringify(params.reply)
  db.insert(notifications)
    .values({
      dedupeKey: params.dedupeKey,
      accountId: params.accountId,
      topic: params.topic,
      reply: params.sealWith ? SEALED_PREFIX + params.sealWith.seal(json) : json,
      createdAt: params.now,
    })
    .onConflictDoNothing({ target: notifications.dedupeKey })
    .run()
}

export const SEALED_PREFIX = 'sealed:'
