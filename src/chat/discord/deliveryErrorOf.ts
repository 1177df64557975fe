import { DiscordAPIError, HTTPError, RateLimitError, RESTJSONErrorCodes } from 'discord.js'
import { DeliveryError } from '../../notify/DeliveryError.ts'

/** The user closed their DMs to us, or no longer shares a server with the bot. */
export function isDmClosed(error: unknown): boolean {
  return (
    error instanceof DiscordAPIError &&
    (error.code === RESTJSONErrorCodes.CannotSendMessagesToThisUser ||
      error.code === RESTJSONErrorCodes.CannotSendMessagesToThisUserDueToHavingNoMutualGuilds)
  )
}

/** Maps what discord.js throws to the dispatcher's terms. Messages carry the
 *  Discord code and text, never the request URL (webhook URLs hold tokens). */
export function deliveryErrorOf(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error
  if (error instanceof RateLimitError) {
    return new DeliveryError('rate_limited', `discord rate limit on ${error.route}`, error.retryAfter, { cause: error })
  }
  if (error instanceof DiscordAPIError) {
    const what = `discord ${error.status} (code ${error.code}): ${error.message}`
    if (error.status === 429) return new DeliveryError('rate_limited', what, 1000, { cause: error })
    if (error.status >= 500) return new DeliveryError('transient', what, undefined, { cause: error })
    // Closed DMs are the recipient; any other 4xx is this message (sending it again fails the same way).
    return new DeliveryError(isDmClosed(error) ? 'unreachable' : 'rejected', what, undefined, { cause: error })
  }
  if (error instanceof HTTPError) {
    return new DeliveryError(error.status >= 500 ? 'transient' : 'rejected', `discord ${error.status}`, undefined, { cause: error })
  }
  // Timeouts, refused connections, resets: the network, not the recipient.
  return new DeliveryError('transient', `discord request failed: ${error instanceof Error ? error.message : String(error)}`, undefined, {
    cause: error,
  })
}
