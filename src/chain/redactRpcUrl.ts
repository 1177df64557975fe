/**
 * Returns an RPC URL that is safe to put in an error message or a log line.
 *
 * Providers put secrets in three places: basic-auth credentials
 * (`https://user:pass@host`), query strings (`?apikey=…`) and path segments
 * (`/v3/<project id>`, `/v2/<api key>`). viem strips only the first, so this
 * also drops the query and fragment and masks any long path segment that
 * contains a digit (short words such as `rpc` or `mainnet` stay readable).
 */
export function redactRpcUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    // An unparseable value may still be a secret pasted into the wrong variable.
    return '(unparseable URL)'
  }
  parsed.username = ''
  parsed.password = ''
  parsed.search = ''
  parsed.hash = ''
  parsed.pathname = parsed.pathname
    .split('/')
    .map((segment) => (segment.length >= 20 && /\d/.test(segment) ? '***' : segment))
    .join('/')
  return parsed.toString()
}
