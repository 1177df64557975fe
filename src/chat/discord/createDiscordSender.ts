import { DiscordAPIError, RESTJSONErrorCodes, Routes, type REST, type RESTPostAPIChannelMessageJSONBody } from 'discord.js'
import type { Logger } from '../../app/logger.ts'
import type { Reply } from '../../command/reply.ts'
import type { Db } from '../../db/openDatabase.ts'
import type { PostedMessage } from '../../governance/proposalMessages.ts'
import { markDmReachable, markDmUnreachable } from '../../identity/dmReachability.ts'
import { deliveryErrorOf, isDmClosed } from './deliveryErrorOf.ts'
import type { FanOutGate } from './FanOutGate.ts'
import { renderDiscordMessages } from './renderDiscordMessages.ts'

/** Enough for a large fan-out to hit the cache on its next run without growing forever. */
const DM_CHANNEL_CACHE_SIZE = 10_000

export interface DiscordSender {
  sendPrivate(userId: string, reply: Reply): Promise<void>
  sendToChannel(channelId: string, reply: Reply): Promise<void>
  /** Refreshes a live message (a proposal's tally and buttons); throws DeliveryError. */
  editMessage(channelId: string, messageId: string, reply: Reply): Promise<void>
}

/** Notifications over REST alone (no gateway needed, so the sharding manager
 *  can send them too). Sends pass the fan-out gate; 429s are waited out by the
 *  REST client's queue; failures are thrown as DeliveryError. */
export function createDiscordSender(deps: {
  rest: REST
  db: Db
  logger: Logger
  clock: () => number
  gate: FanOutGate
  onLivePost?: (posted: PostedMessage) => void
}): DiscordSender {
  const { rest, db, gate } = deps
  // userId → DM channel id: opening a DM is one more request per user otherwise.
  const dmChannels = new Map<string, string>()

  async function dmChannelOf(userId: string): Promise<string> {
    const known = dmChannels.get(userId)
    if (known) return known
    const channel = (await rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as { id: string }
    if (dmChannels.size >= DM_CHANNEL_CACHE_SIZE) dmChannels.delete(dmChannels.keys().next().value!)
    dmChannels.set(userId, channel.id)
    return channel.id
  }

  async function post(channelId: string, reply: Reply): Promise<string | undefined> {
    let last: string | undefined
    for (const { embeds, components } of renderDiscordMessages(reply)) {
      const body: RESTPostAPIChannelMessageJSONBody = { embeds, components, allowed_mentions: { parse: [] } }
      last = ((await rest.post(Routes.channelMessages(channelId), { body })) as { id: string }).id
    }
    return last
  }

  return {
    async sendPrivate(userId, reply) {
      await gate.run(async () => {
        try {
          await post(await dmChannelOf(userId), reply)
        } catch (error) {
          if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownChannel) dmChannels.delete(userId)
          if (isDmClosed(error)) markDmUnreachable(db, 'discord', userId, deps.clock())
          throw deliveryErrorOf(error)
        }
        markDmReachable(db, 'discord', userId)
      })
    },

    async sendToChannel(channelId, reply) {
      // A channel is seen by everyone in it; private data belongs in a DM.
      if (reply.private) throw new Error('refusing to post a private reply to a Discord channel; send it with sendPrivate')
      await gate.run(async () => {
        try {
          const messageId = await post(channelId, reply)
          if (reply.live && messageId) deps.onLivePost?.({ platform: 'discord', chatId: channelId, messageId, reply })
        } catch (error) {
          throw deliveryErrorOf(error)
        }
      })
    },

    async editMessage(channelId, messageId, reply) {
      // Live replies are sized to fit one message: the first part and the buttons.
      const messages = renderDiscordMessages(reply)
      const body = { content: '', embeds: messages[0]!.embeds, components: messages.at(-1)!.components, allowed_mentions: { parse: [] } }
      await gate.run(async () => {
        try {
          await rest.patch(Routes.channelMessage(channelId, messageId), { body })
        } catch (error) {
          throw deliveryErrorOf(error)
        }
      })
    },
  }
}
