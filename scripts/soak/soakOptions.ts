import { parseArgs } from 'node:util'

export interface SoakOptions {
  minutes: number
  seed: number
  /** Telegram users on the local Bot API server. */
  users: number
  /** Nodes in all: real agent processes plus nodes simulated in-process. */
  nodes: number
  /** Real `npm run agent` processes (the rest of the nodes are simulated). */
  agents: number
  /** Chat commands per second, all users together. */
  opsPerSecond: number
  /** Minutes between product kills (a random point in each window). */
  killEveryMinutes: number
}

export const SOAK_USAGE = `Usage: npm run soak -- [--minutes 30] [--seed 1] [--users 1000] [--nodes 500] [--agents 4] [--ops-per-second 4] [--kill-every 2]`

/** @throws Error with one sentence naming the option that is wrong */
export function parseSoakOptions(argv: string[]): SoakOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      minutes: { type: 'string' },
      seed: { type: 'string' },
      users: { type: 'string' },
      nodes: { type: 'string' },
      agents: { type: 'string' },
      'ops-per-second': { type: 'string' },
      'kill-every': { type: 'string' },
    },
  })
  const number = (name: string, text: string | undefined, fallback: number, min: number, max: number): number => {
    if (text === undefined) return fallback
    const value = Number(text)
    if (!Number.isFinite(value) || value < min || value > max) throw new Error(`--${name} must be a number from ${min} to ${max}, such as ${fallback}.`)
    return value
  }
  const options: SoakOptions = {
    minutes: number('minutes', values.minutes, 30, 1, 24 * 60),
    seed: Math.floor(number('seed', values.seed, 1, 0, 2 ** 32 - 1)),
    users: Math.floor(number('users', values.users, 1000, 10, 100_000)),
    nodes: Math.floor(number('nodes', values.nodes, 500, 1, 10_000)),
    agents: Math.floor(number('agents', values.agents, 4, 0, 4)),
    opsPerSecond: number('ops-per-second', values['ops-per-second'], 4, 0.1, 50),
    killEveryMinutes: number('kill-every', values['kill-every'], 2, 0.25, 60),
  }
  return options
}
