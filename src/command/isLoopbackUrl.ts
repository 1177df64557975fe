/** Telegram and Discord fetch pictures from their own servers, which cannot
 *  reach a URL on this machine (a dev PUBLIC_URL); such images go as links. */
export function isLoopbackUrl(url: string): boolean {
  let hostname: string
  try {
    hostname = new URL(url).hostname
  } catch {
    return true
  }
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || hostname === '0.0.0.0' || /^127\.\d+\.\d+\.\d+$/.test(hostname)
}
