/** A platform-neutral answer. Text is plain: adapters escape it for their markup. */
export interface Reply {
  title?: string
  text?: string
  fields?: { name: string; value: string }[]
  table?: { columns: string[]; rows: string[][] }
  /** Shown verbatim in a monospace block (a message to sign, a proof). */
  code?: string
  buttons?: Button[]
  /** Private data: ephemeral on Discord, private chat only on Telegram. */
  private?: boolean
  /** An error answer: shown only to the user where the platform can (Discord ephemeral), in place elsewhere. */
  error?: boolean
  /** A public message kept up to date after posting (a proposal's tally and
   *  vote buttons): adapters report where they posted it. */
  live?: { proposalId: string }
}

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
