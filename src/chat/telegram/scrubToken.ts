/** Removes the bot token from text bound for logs or errors. Telegraf's own
 *  redaction covers only a request URL in a network error; a token can also
 *  surface in an apiRoot, a webhook URL or a proxy's error page. */
export function scrubToken(text: string, token: string): string {
  const withoutToken = token.length >= 6 ? text.split(token).join('[redacted]') : text
  // Any other bot's token (a misconfigured apiRoot) is just as secret.
  return withoutToken.replace(/\b(\d{5,}):[A-Za-z0-9_-]{20,}/g, '$1:[redacted]')
}
