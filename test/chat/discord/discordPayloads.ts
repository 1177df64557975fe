/** Gateway and REST payloads shaped like Discord's (API v10), for the local server. */

export interface FakeUser {
  id: string
  username: string
}

export interface StoredMessage {
  id: string
  channel_id: string
  content: string
  /** As sent (API embed objects). */
  embeds: StoredEmbed[]
  components: unknown[]
  flags: number
  /** Set for messages created through an interaction (original or follow-up). */
  interactionId?: string
  deleted?: boolean
  edits: number
}

export interface StoredEmbed {
  title?: string
  description?: string
  color?: number
  fields?: { name: string; value: string; inline?: boolean }[]
  image?: { url: string }
}

/** What a person sees of a message, as text: its content, then each embed's
 *  title (in bold), description and fields ("**name**" over the value), then
 *  an image as "[image <url>]". Lets tests read embeds as they read content. */
export function shownText(message: { content: string; embeds: StoredEmbed[] }): string {
  const blocks = [message.content]
  for (const embed of message.embeds) {
    blocks.push([embed.title && `**${embed.title}**`, embed.description].filter(Boolean).join('\n'))
    for (const field of embed.fields ?? []) blocks.push(`**${field.name}**\n${field.value}`)
    if (embed.image) blocks.push(`[image ${embed.image.url}]`)
  }
  return blocks.filter((b) => b !== '' && b !== undefined).join('\n\n')
}

const DISCORD_EPOCH = 1420070400000n

/** Snowflakes carry their creation time, which discord.js reads back (createdTimestamp). */
export function snowflakeSource(): (ms?: number) => string {
  let increment = 0n
  return (ms = Date.now()) => (((BigInt(ms) - DISCORD_EPOCH) << 22n) | (increment++ & 0xfffn)).toString()
}

export function userJson(user: FakeUser, bot = false) {
  return { id: user.id, username: user.username, global_name: null, discriminator: '0', avatar: null, bot, public_flags: 0 }
}

export function guildJson(guild: { id: string; name: string; channelId: string }, bot: FakeUser) {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    owner_id: bot.id,
    unavailable: false,
    member_count: 2,
    large: false,
    joined_at: new Date().toISOString(),
    features: [],
    roles: [
      { id: guild.id, name: '@everyone', permissions: '2248473465835073', position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 },
    ],
    channels: [{ id: guild.channelId, type: 0, name: 'general', position: 0, permission_overwrites: [], nsfw: false, parent_id: null }],
    members: [{ user: userJson(bot, true), roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 }],
    emojis: [],
    stickers: [],
    threads: [],
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    premium_tier: 0,
    preferred_locale: 'en-US',
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    system_channel_flags: 0,
  }
}

export function messageJson(message: StoredMessage, bot: FakeUser, applicationId: string) {
  return {
    id: message.id,
    type: message.interactionId ? 20 : 0,
    channel_id: message.channel_id,
    author: userJson(bot, true),
    content: message.content,
    timestamp: new Date().toISOString(),
    edited_timestamp: message.edits > 0 ? new Date().toISOString() : null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: message.embeds,
    pinned: false,
    components: message.components,
    flags: message.flags,
    ...(message.interactionId ? { application_id: applicationId, webhook_id: applicationId } : {}),
  }
}
