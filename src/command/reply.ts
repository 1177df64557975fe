/** A platform-neutral answer. Text is plain: adapters escape it for their markup. */
export interface Reply {
  title?: string
  text?: string
  fields?: { name: string; value: string }[]
  table?: { columns: string[]; rows: string[][] }
  /** Shown verbatim in a monospace block (a message to sign, a proof). */
  code?: string
  buttons?: Button[]
  /** One picture (a chart): an embed image on Discord, a photo on Telegram, the URL on the console. */
  image?: ReplyImage
  /** Sets the colour of a Discord embed; error replies are 'error' whatever this says. */
  tone?: ReplyTone
  /** Private data: ephemeral on Discord, private chat only on Telegram. */
  private?: boolean
  /** An error answer: shown only to the user where the platform can (Discord ephemeral), in place elsewhere. */
  error?: boolean
  /** A public message kept up to date after posting (a proposal's tally and
   *  vote buttons): adapters report where they posted it. */
  live?: { proposalId: string }
}

export interface ReplyImage {
  /** Absolute http(s) URL of a PNG, usually under PUBLIC_URL/charts/. */
  url: string
  /** What the picture shows, for a caption or a screen reader. */
  alt: string
}

export type ReplyTone = 'success' | 'error' | 'info'

export type Button = ActionButton | LinkButton
export interface ActionButton {
  label: string
  /** Server-side action id, from ctx.action(). */
  action: string
  style?: 'primary' | 'secondary' | 'success' | 'danger'
}
export interface LinkButton {
  label: string
  url: string
}

export function isActionButton(button: Button): button is ActionButton {
  return 'action' in button
}
