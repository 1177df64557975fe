import type { Platform } from '../identity/ChatUser.ts'
import type { Db } from '../db/openDatabase.ts'
import { announcementChannels, type NotificationTopic } from '../db/schema/outbox.ts'
import { listTopics, setTopic } from './preferences.ts'
import { quietWindowOf, setQuietWindow, type QuietWindow } from './quietHours.ts'
import { and, eq } from 'drizzle-orm'

/** Preferences and announcement channels, as commands reach them (ctx.notifications). */
export class NotificationSettings {
  constructor(
    private readonly db: Db,
    private readonly clock: () => number,
  ) {}

  listTopics(accountId: number) {
    return listTopics(this.db, accountId)
  }

  setTopic(accountId: number, topic: NotificationTopic, enabled: boolean): void {
    setTopic(this.db, accountId, topic, enabled)
  }

  quietHours(accountId: number): QuietWindow | undefined {
    return quietWindowOf(this.db, accountId)
  }

  setQuietHours(accountId: number, window: QuietWindow | null): void {
    setQuietWindow(this.db, accountId, window)
  }

  /** Returns false if the channel was already subscribed. */
  addAnnouncementChannel(platform: Platform, channelId: string): boolean {
    return this.db.insert(announcementChannels).values({ platform, channelId, addedAt: this.clock() }).onConflictDoNothing().run().changes > 0
  }

  removeAnnouncementChannel(platform: Platform, channelId: string): boolean {
    return this.db.delete(announcementChannels).where(and(eq(announcementChannels.platform, platform), eq(announcementChannels.channelId, channelId))).run().changes > 0
  }
}
