import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'telegraf/types'
import { isActionButton, type Button } from '../../command/reply.ts'

const MAX_PER_ROW = 3
const MAX_ROW_LABEL_CHARS = 30

/** Buttons as an inline keyboard: an action button carries its action id as
 *  callback data (ids are 10 characters, well under Telegram's 64 bytes), a
 *  link button opens its URL. Short labels share a row, long ones get their own. */
export function inlineKeyboard(buttons: readonly Button[]): InlineKeyboardMarkup | undefined {
  if (buttons.length === 0) return undefined
  const rows: InlineKeyboardButton[][] = []
  let row: InlineKeyboardButton[] = []
  let rowChars = 0
  for (const button of buttons) {
    if (row.length > 0 && (row.length === MAX_PER_ROW || rowChars + button.label.length > MAX_ROW_LABEL_CHARS)) {
      rows.push(row)
      row = []
      rowChars = 0
    }
    row.push(isActionButton(button) ? { text: button.label, callback_data: button.action } : { text: button.label, url: button.url })
    rowChars += button.label.length
  }
  rows.push(row)
  return { inline_keyboard: rows }
}

/** Telegram refuses URL buttons that point at localhost or a private address
 *  ("Wrong HTTP URL"); such links (a dev setup's PUBLIC_URL) go in the text. */
export function isButtonUrl(url: string): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (parsed.protocol === 'tg:') return true
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false
  const host = parsed.hostname.replace(/^\[|\]$/g, '')
  if (host === 'localhost' || host.endsWith('.localhost') || !host.includes('.')) return false
  return !/^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|0\.)/.test(host)
}
