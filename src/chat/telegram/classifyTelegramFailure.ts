import { scrubToken } from './scrubToken.ts'

/** What a failed Bot API call means for the sender:
 *  - rate_limited: Telegram said wait retryAfterMs for this chat
 *  - unreachable: this chat will refuse every message (blocked, deactivated, gone)
 *  - transient: network trouble or a 5xx; worth a retry
 *  - rejected: Telegram refused this request (a 400 such as a parse error); retrying changes nothing */
export type TelegramFailure =
  | { kind: 'rate_limited'; code: number; description: string; retryAfterMs: number }
  | { kind: 'unreachable'; code: number; description: string }
  | { kind: 'transient'; code?: number; description: string }
  | { kind: 'rejected'; code: number; description: string }

/** 400s that mean the chat itself is gone or closed to us, not a bad request. */
const UNREACHABLE_400 =
  /chat not found|user not found|PEER_ID_INVALID|group chat was (deactivated|upgraded)|bot is not a member|bot was kicked|need administrator rights|not enough rights to send|have no rights to send|CHAT_WRITE_FORBIDDEN|CHAT_RESTRICTED/i

export function classifyTelegramFailure(error: unknown, token: string): TelegramFailure {
  const response = telegramResponse(error)
  if (!response) {
    // node-fetch's FetchError, an abort, a socket reset: no answer from Telegram.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    return { kind: 'transient', description: scrubToken(message, token) }
  }
  const code = response.error_code
  const description = scrubToken(response.description ?? `error ${code}`, token)
  if (code === 429) return { kind: 'rate_limited', code, description, retryAfterMs: Math.max(1, response.parameters?.retry_after ?? 1) * 1000 }
  if (code === 403) return { kind: 'unreachable', code, description }
  if (code === 400 && UNREACHABLE_400.test(description)) return { kind: 'unreachable', code, description }
  if (code >= 500) return { kind: 'transient', code, description }
  return { kind: 'rejected', code, description }
}

interface ErrorPayload {
  error_code: number
  description?: string
  parameters?: { retry_after?: number; migrate_to_chat_id?: number }
}

/** Telegraf's TelegramError carries Telegram's answer as `response`. */
function telegramResponse(error: unknown): ErrorPayload | undefined {
  const response = (error as { response?: unknown } | null)?.response
  if (typeof response === 'object' && response !== null && typeof (response as ErrorPayload).error_code === 'number') return response as ErrorPayload
  return undefined
}
