import { InteractionContextType, type BaseInteraction } from 'discord.js'
import type { ChatPlace, ChatUser } from '../../command/CommandContext.ts'

export function chatUserOf(interaction: BaseInteraction): ChatUser {
  return { platform: 'discord', id: interaction.user.id, name: interaction.user.username }
}

/** A DM with the bot is private; a guild channel (or a group DM, for user installs) is a group. */
export function chatPlaceOf(interaction: BaseInteraction): ChatPlace {
  const inBotDm = interaction.context === InteractionContextType.BotDM || (interaction.context === null && interaction.guildId === null)
  return { id: interaction.channelId ?? interaction.user.id, kind: inBotDm ? 'private' : 'group' }
}
