/** What the renter sees of a running workload's connection details (/job and
 *  the "is running" message): one ready-to-paste line, built only from parts
 *  that pass strict shapes, so a provider cannot slip a shell command into
 *  what the renter pastes into a terminal. */
export interface ConnectionView {
  fields: { name: string; value: string }[]
  /** The ssh command to paste, shown in a monospace block (a URL goes in a field, where chats make it a link). */
  code?: string
}

/** Fields the agent reports that the line (or /job's own fields) already says. */
const SHOWN_ELSEWHERE = new Set(['host', 'port', 'user', 'secret', 'endsAt', 'protocol'])

const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/
const IPV6 = /^[0-9A-Fa-f:]{2,39}$/
const USER = /^[a-z_][a-z0-9_-]{0,31}$/

export function connectionView(connection: Record<string, string>): ConnectionView {
  const { host = '', port = '', user = '', secret, protocol } = connection
  const portNumber = /^\d{1,5}$/.test(port) ? Number(port) : 0
  const hostOk = HOSTNAME.test(host) || (host.includes(':') && IPV6.test(host))
  if (!hostOk || portNumber < 1 || portNumber > 65535 || (protocol === 'ssh' && !USER.test(user))) {
    // Not a shape we can vouch for: the details as reported, never as a command.
    return { fields: Object.entries(connection).map(([name, value]) => ({ name, value })) }
  }
  const extra = Object.entries(connection)
    .filter(([name]) => !SHOWN_ELSEWHERE.has(name))
    .map(([name, value]) => ({ name, value }))
  if (protocol === 'ssh') {
    return {
      fields: [{ name: 'Connect', value: 'SSH with a key from /sshkey list; paste the line below' }, ...extra],
      code: `ssh -p ${portNumber} ${user}@${host}`,
    }
  }
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${portNumber}`
  return {
    fields: [
      { name: 'Open', value: url },
      // The workload decides what the secret unlocks (a notebook token, a password); the launcher passes it as {secret} and GRIDSHARE_SECRET.
      ...(secret ? [{ name: 'Access secret', value: `${secret} (the workload's token or password)` }] : []),
      ...extra,
    ],
  }
}
