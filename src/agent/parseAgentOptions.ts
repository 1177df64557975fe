import { parseArgs } from 'node:util'
import { AgentUsageError } from './AgentErrors.ts'
import type { AgentGpu } from './GpuInventory.ts'
import { parseGpuSpec } from './parseGpuSpec.ts'

export const AGENT_USAGE = `Usage: npm run agent -- --coordinator <url> [--private-key-file <file>] [options]

  --coordinator <url>        the coordinator's URL, such as https://gridshare.example.org
  --private-key-file <file>  file holding the provider wallet's 0x private key
                             (default ~/.gridshare-agent/provider.key)
  --gpus <spec>              declare GPUs instead of asking nvidia-smi, such as "H100-80GB:2,RTX4090-24GB:4"
  --price <tokens>           price per GPU-hour in whole tokens (default 2.5)
  --region <region>          where the machine is, such as eu-west (default unknown)
  --renewable                the machine runs on renewable power
  --offpeak <start-end>      UTC hours when the local grid is off-peak, such as 22-6
  --state-file <path>        where the agent keeps its state (default ~/.gridshare-agent/<address>.json)
  --launcher <template>      shell command run per rental, with {rentalId} {gpus} {endsAt} {secret} {port}
                             {image} {sshPublicKeys}; using {sshPublicKeys} makes renters get an ssh line
                             (default: a small HTTP server on {port}, for trying the network)
  --challenge-runner <tmpl>  shell command that runs compute challenges, with {matrixSeed} {size}
                             {rounds} {gpus} {out}; it speaks the line protocol in docs/agent.md
                             (default: the shipped NVIDIA runner when python3 has torch with CUDA;
                             the built-in CPU runner for --gpus)
  --heartbeat-ms <ms>        heartbeat interval, overriding the coordinator's
  --node-key <id>            this machine's stable id (default: made once and kept in the state file)
  --public-host <host>       host renters connect to (default: this machine's first external IPv4 address)
  --keep-workloads           on Ctrl-C or SIGTERM, leave workloads running for the next agent run to adopt
  --help                     show this text
`

export interface AgentOptions {
  coordinatorUrl: string
  /** Undefined: the default, ~/.gridshare-agent/provider.key (outside any checkout). */
  privateKeyFile?: string
  /** Declared inventory from --gpus; undefined means ask nvidia-smi. */
  gpus?: AgentGpu[]
  pricePerGpuHour: string
  region: string
  renewable: boolean
  offPeak?: { startHour: number; endHour: number }
  stateFile?: string
  launcher?: string
  challengeRunner?: string
  heartbeatIntervalMs?: number
  nodeKey?: string
  publicHost?: string
  keepWorkloads: boolean
  help: boolean
}

/** Reads the agent's command line. Touches no file and no network.
 *  @throws AgentUsageError with one sentence naming the option that is wrong */
export function parseAgentOptions(argv: string[]): AgentOptions {
  const { values } = readArgs(argv)
  if (values.help) return { coordinatorUrl: '', pricePerGpuHour: '', region: '', renewable: false, keepWorkloads: false, help: true }
  if (values.coordinator === undefined) throw new AgentUsageError("--coordinator is required: the coordinator's URL, such as https://gridshare.example.org.")
  if (!isHttpUrl(values.coordinator)) throw new AgentUsageError('--coordinator must be an http or https URL, such as https://gridshare.example.org.')
  const price = values.price ?? '2.5'
  if (!/^\d+(\.\d+)?$/.test(price)) throw new AgentUsageError('--price must be a decimal amount of tokens per GPU-hour, such as 2.5.')
  const region = values.region ?? 'unknown'
  if (!/^[a-z0-9-]{2,32}$/.test(region)) throw new AgentUsageError('--region must be 2 to 32 lowercase letters, digits or dashes, such as eu-west.')
  const nodeKey = values['node-key']
  if (nodeKey !== undefined && !/^[\w.-]{1,64}$/.test(nodeKey)) throw new AgentUsageError('--node-key must be 1 to 64 letters, digits, dots, dashes or underscores.')
  if (values.launcher !== undefined && values.launcher.trim() === '') throw new AgentUsageError('--launcher must be a shell command, such as "docker run … -p {port}:22 …".')
  if (values['challenge-runner'] !== undefined && !values['challenge-runner'].includes('{out}'))
    throw new AgentUsageError('--challenge-runner must be a shell command that writes to {out}, such as "python3 runner.py --seed {seed} --matrix-seed {matrixSeed} --size {size} --gpus {gpus} --out {out}".')
  if (values['public-host'] !== undefined && !/^[\w.:-]{1,253}$/.test(values['public-host']))
    throw new AgentUsageError('--public-host must be a host name or IP address, such as gpu1.example.org.')
  return {
    coordinatorUrl: values.coordinator.replace(/\/+$/, ''),
    ...(values['private-key-file'] !== undefined ? { privateKeyFile: values['private-key-file'] } : {}),
    ...(values.gpus !== undefined ? { gpus: parseGpuSpec(values.gpus) } : {}),
    pricePerGpuHour: price,
    region,
    renewable: values.renewable ?? false,
    ...(values.offpeak !== undefined ? { offPeak: parseOffPeak(values.offpeak) } : {}),
    ...(values['state-file'] !== undefined ? { stateFile: values['state-file'] } : {}),
    ...(values.launcher !== undefined ? { launcher: values.launcher } : {}),
    ...(values['challenge-runner'] !== undefined ? { challengeRunner: values['challenge-runner'] } : {}),
    ...(values['heartbeat-ms'] !== undefined ? { heartbeatIntervalMs: parseHeartbeat(values['heartbeat-ms']) } : {}),
    ...(nodeKey !== undefined ? { nodeKey } : {}),
    ...(values['public-host'] !== undefined ? { publicHost: values['public-host'] } : {}),
    keepWorkloads: values['keep-workloads'] ?? false,
    help: false,
  }
}

function readArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        coordinator: { type: 'string' },
        'private-key-file': { type: 'string' },
        gpus: { type: 'string' },
        price: { type: 'string' },
        region: { type: 'string' },
        renewable: { type: 'boolean' },
        offpeak: { type: 'string' },
        'state-file': { type: 'string' },
        launcher: { type: 'string' },
        'challenge-runner': { type: 'string' },
        'heartbeat-ms': { type: 'string' },
        'node-key': { type: 'string' },
        'public-host': { type: 'string' },
        'keep-workloads': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    // node:util words these for programmers ("To specify a positional argument…"); say it plainly.
    const { code, message } = error as { code?: string; message: string }
    const quoted = /'([^']*)'/.exec(message)?.[1] ?? ''
    const option = quoted.split(' ')[0]
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new AgentUsageError(`Unknown option ${option}.`)
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new AgentUsageError(`Unexpected argument "${quoted}"; every option starts with --.`)
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /does not take an argument/.test(message)) throw new AgentUsageError(`${option} takes no value.`)
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new AgentUsageError(`${option} needs a value.`)
    throw new AgentUsageError(message)
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

function parseOffPeak(text: string): { startHour: number; endHour: number } {
  const match = /^(\d{1,2})-(\d{1,2})$/.exec(text.trim())
  const startHour = Number(match?.[1])
  const endHour = Number(match?.[2])
  if (!match || startHour > 23 || endHour > 24 || startHour === endHour)
    throw new AgentUsageError('--offpeak must be two different UTC hours as start-end, such as 22-6.')
  return { startHour, endHour }
}

function parseHeartbeat(text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : NaN
  if (!(ms >= 250 && ms <= 600_000)) throw new AgentUsageError('--heartbeat-ms must be a whole number of milliseconds from 250 to 600000.')
  return ms
}
