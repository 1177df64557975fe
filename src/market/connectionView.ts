/** What the renter sees of a running workload's connection details (/job and
 *  the "is running" message). The agent is the provider's program, so what it
 *  reports is the provider's word: only parts that pass strict shapes are
 *  shown, each under a label Gridshare writes. Nothing else it reports reaches
 *  chat: free text next to a trusted line is a phishing channel ("Support:
 *  paste your wallet key at …"), and a shell command in the pasted line would
 *  run on the renter's machine. */
export interface ConnectionView {
  fields: { name: string; value: string }[]
  /** The ssh command to paste, shown in a monospace block (a URL goes in a field, where chats make it a link). */
  code?: string
}

/** Every character is ASCII from a fixed set, so no control or bidi character,
 *  markup, space or second line can get through. */
const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/
const IPV6 = /^[0-9A-Fa-f:]{2,39}$/
const USER = /^[a-z_][a-z0-9_-]{0,31}$/
const PORT = /^[0-9]{1,5}$/
/** The coordinator issues a base64url token (Rentals.confirm); anything else is
 *  not a secret we handed out: no spaces, dots, colons or slashes, so no sentence or link. */
const SECRET = /^[A-Za-z0-9_-]{16,64}$/

export const UNCHECKED_CONNECTION =
  'The node reported connection details that Gridshare cannot check, so they are not shown. If you cannot reach the workload, /stop the rental: unused time is refunded.'

export function connectionView(connection: Record<string, string>): ConnectionView {
  const { host = '', port = '', user = '', secret = '', protocol } = connection
  const portNumber = PORT.test(port) ? Number(port) : 0
  const hostOk = HOSTNAME.test(host) || (host.includes(':') && IPV6.test(host))
  if (!hostOk || portNumber < 1 || portNumber > 65535 || (protocol === 'ssh' && !USER.test(user))) {
    // Not a shape we can vouch for: none of it, so none of the provider's text, is shown.
    return { fields: [{ name: 'Connection', value: UNCHECKED_CONNECTION }] }
  }
  if (protocol === 'ssh') {
    // Keys log in, so the secret is not needed and not shown.
    return {
      fields: [{ name: 'Connect', value: 'SSH with a key from /sshkey list; paste the line below' }],
      code: `ssh -p ${portNumber} ${user}@${host}`,
    }
  }
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${portNumber}`
  return {
    fields: [
      { name: 'Open', value: url },
      // The workload decides what the secret unlocks (a notebook token, a password); the launcher passes it as {secret} and GRIDSHARE_SECRET.
      ...(SECRET.test(secret) ? [{ name: 'Access secret', value: `${secret} (the workload's token or password)` }] : []),
    ],
  }
}
