import { DeliveryError } from '../../notify/DeliveryError.ts'

/** A DeliveryError that also says which Bot API method failed and what
 *  Telegram answered, with the bot token already removed. */
export class TelegramDeliveryError extends DeliveryError {
  constructor(
    kind: DeliveryError['kind'],
    readonly method: string,
    /** Telegram's error code, absent for network failures. */
    readonly code: number | undefined,
    readonly description: string,
    retryAfterMs?: number,
  ) {
    super(kind, `Telegram ${method} failed: ${description}`, retryAfterMs)
    this.name = 'TelegramDeliveryError'
  }
}
