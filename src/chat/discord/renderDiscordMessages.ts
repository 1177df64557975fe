import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIComponentInMessageActionRow,
} from 'discord.js'
import { formatTable } from '../../command/renderPlainText.ts'
import { isActionButton, type Button, type Reply } from '../../command/reply.ts'
import { discordCodeBlock, escapeDiscordText } from './escapeDiscordText.ts'
import { splitDiscordContent } from './splitDiscordContent.ts'

export type DiscordActionRow = APIActionRowComponent<APIComponentInMessageActionRow>

/** A reply as Discord messages: the content split to fit, and the buttons
 *  that go under the last message (so they sit below everything they refer to). */
export interface DiscordMessages {
  contents: string[]
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

export function renderDiscordMessages(reply: Reply): DiscordMessages {
  const head = [reply.title && `**${escapeDiscordText(reply.title)}**`, reply.text && escapeDiscordText(reply.text)]
    .filter(Boolean)
    .join('\n')
  const blocks = [
    head,
    ...(reply.fields ?? []).map((f) => `**${escapeDiscordText(f.name)}**\n${escapeDiscordText(f.value)}`),
    reply.table && discordCodeBlock(formatTable(reply.table.columns, reply.table.rows)),
    reply.code !== undefined && discordCodeBlock(reply.code),
  ].filter((b): b is string => typeof b === 'string' && b !== '')
  const content = blocks.join('\n\n')
  const components = buttonRows(reply.buttons ?? [])
  // Discord refuses a message with neither content nor components.
  return { contents: content === '' && components.length === 0 ? ['Done.'] : splitDiscordContent(content), components }
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
