import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
} from 'discord.js'
import { isActionButton, type Button, type Reply } from '../../command/reply.ts'
import { packEmbeds } from './discordEmbedLimits.ts'
import { discordEmbedsOf, TONE_COLOURS } from './discordEmbedsOf.ts'

export type DiscordActionRow = APIActionRowComponent<APIComponentInMessageActionRow>

/** One Discord message of a reply: its embeds, and buttons on the last message
 *  only (so they sit below everything they refer to). */
export interface DiscordMessage {
  embeds: APIEmbed[]
  components: DiscordActionRow[]
}

const BUTTONS_PER_ROW = 5
const MAX_ROWS = 5
const LABEL_LIMIT = 80

type ActionStyle = ButtonStyle.Primary | ButtonStyle.Secondary | ButtonStyle.Success | ButtonStyle.Danger

const STYLES: Record<NonNullable<Extract<Button, { action: string }>['style']>, ActionStyle> = {
  primary: ButtonStyle.Primary,
  secondary: ButtonStyle.Secondary,
  success: ButtonStyle.Success,
  danger: ButtonStyle.Danger,
}

/** A reply as Discord messages of embeds, split to fit Discord's limits. */
export function renderDiscordMessages(reply: Reply): DiscordMessage[] {
  const components = buttonRows(reply.buttons ?? [])
  const groups = packEmbeds(discordEmbedsOf(reply))
  // Discord refuses a message with neither embeds, content nor components.
  if (groups.length === 0 && components.length === 0) groups.push([{ color: TONE_COLOURS.info, description: 'Done.' }])
  if (groups.length === 0) groups.push([])
  return groups.map((embeds, i) => ({ embeds, components: i === groups.length - 1 ? components : [] }))
}

/** Discord allows 5 buttons per row and 5 rows; more than 25 buttons cannot be shown. */
function buttonRows(buttons: Button[]): DiscordActionRow[] {
  const rows: DiscordActionRow[] = []
  const shown = buttons.slice(0, BUTTONS_PER_ROW * MAX_ROWS)
  for (let i = 0; i < shown.length; i += BUTTONS_PER_ROW) {
    rows.push({ type: ComponentType.ActionRow, components: shown.slice(i, i + BUTTONS_PER_ROW).map(buttonOf) })
  }
  return rows
}

function buttonOf(button: Button): APIButtonComponent {
  const label = button.label.length > LABEL_LIMIT ? button.label.slice(0, LABEL_LIMIT - 1) + '…' : button.label
  if (isActionButton(button)) {
    return { type: ComponentType.Button, style: STYLES[button.style ?? 'secondary'], label, custom_id: button.action }
  }
  return { type: ComponentType.Button, style: ButtonStyle.Link, label, url: button.url }
}
