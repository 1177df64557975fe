import type { BotCommand } from 'telegraf/types'
import type { CommandDefinition } from '../../command/defineCommand.ts'
import { DeliveryError } from '../../notify/DeliveryError.ts'
import type { TelegramSender } from './TelegramSender.ts'

/** Telegram shows at most 100 commands in the menu. */
const MAX_COMMANDS = 100

/** The command menus Telegram shows, as published by publishCommands. */
export function commandMenus(commands: readonly CommandDefinition[]): { privateChats: BotCommand[]; groupChats: BotCommand[]; admins: BotCommand[] } {
  const entry = (c: CommandDefinition): BotCommand => ({ command: c.name, description: c.description })
  const everyone = commands.filter((c) => !c.adminOnly)
  return {
    privateChats: everyone.map(entry).slice(0, MAX_COMMANDS),
    // Private commands still work in a group (the answer goes to a private
    // chat), but the group menu should not invite people to use them there.
    groupChats: everyone.filter((c) => !c.private).map(entry).slice(0, MAX_COMMANDS),
    admins: commands.map(entry).slice(0, MAX_COMMANDS),
  }
}

/** Publishes the menus with setMyCommands. Both scopes are always set, even
 *  when the lists are equal, so a menu published by an older version never
 *  lingers in one of them. Admins get the full list in their private chat. */
export async function publishCommands(
  sender: TelegramSender,
  commands: readonly CommandDefinition[],
  adminUserIds: readonly string[] = [],
): Promise<void> {
  const menus = commandMenus(commands)
  await sender.call('setMyCommands', { commands: menus.privateChats, scope: { type: 'all_private_chats' } })
  await sender.call('setMyCommands', { commands: menus.groupChats, scope: { type: 'all_group_chats' } })
  for (const userId of adminUserIds) {
    try {
      await sender.call('setMyCommands', { commands: menus.admins, scope: { type: 'chat', chat_id: Number(userId) } })
    } catch (error) {
      // "chat not found" until that admin starts the bot; the sender logged it.
      if (!(error instanceof DeliveryError)) throw error
    }
  }
}
