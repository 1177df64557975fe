import { randomBytes } from 'node:crypto'
import { homedir, hostname, networkInterfaces } from 'node:os'
import { dirname, join } from 'node:path'
import { privateKeyToAccount } from 'viem/accounts'
import { createLogger } from '../app/logger.ts'
import { UserError } from '../errors/AppError.ts'
import { Agent } from './Agent.ts'
import { AgentClient } from './AgentClient.ts'
import { AgentRequestError, AgentUsageError } from './AgentErrors.ts'
import { AgentStateFile } from './AgentStateFile.ts'
import type { ChallengeRunner } from './challengeRunner.ts'
import { commandChallengeRunner, NVIDIA_RUNNER_TEMPLATE, torchCudaAvailable } from './commandChallengeRunner.ts'
import type { GpuInventory } from './GpuInventory.ts'
import { nvidiaInventory } from './nvidiaInventory.ts'
import { AGENT_USAGE, parseAgentOptions, type AgentOptions } from './parseAgentOptions.ts'
import { readableDestination } from './readableLog.ts'
import { readPrivateKeyFile } from './readPrivateKeyFile.ts'
import { sleep } from './sleep.ts'
import { DEFAULT_LAUNCHER_TEMPLATE, WorkloadLauncher } from './WorkloadLauncher.ts'
import { freeDiskMb } from './freeDiskMb.ts'

/** How long a first start retries an unreachable coordinator before saying so
 *  (a coordinator restarting takes seconds; a wrong URL never answers). Once
 *  it has answered, the agent rides out outages for as long as they last. */
const FIRST_CONTACT_MS = 30_000
/** Outside any checkout, so a key never lands in a repository. */
const DEFAULT_KEY_FILE = join(homedir(), '.gridshare-agent', 'provider.key')

/** The agent's composition root: the only place that reads argv, the
 *  environment and the key file, and installs signal handlers.
 *  Exit codes: 0 stopped cleanly, 1 refused or failed, 2 bad command line. */
async function main(argv: string[]): Promise<number> {
  let options: AgentOptions
  let key: `0x${string}`
  let readableByOthers: boolean
  try {
    options = parseAgentOptions(argv)
    if (options.help) {
      process.stdout.write(AGENT_USAGE)
      return 0
    }
    ;({ key, readableByOthers } = readPrivateKeyFile(options.privateKeyFile ?? DEFAULT_KEY_FILE, { given: options.privateKeyFile !== undefined }))
  } catch (error) {
    if (!(error instanceof AgentUsageError)) throw error
    process.stderr.write(`${error.message}\n\n${AGENT_USAGE}`)
    return 2
  }
  const account = privateKeyToAccount(key)
  // A person at a terminal reads sentences; a service manager's log collector gets JSON lines.
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info', secrets: [key], ...(process.stderr.isTTY ? { destination: readableDestination(process.stderr) } : {}) })
  if (readableByOthers) logger.warn({ file: options.privateKeyFile ?? DEFAULT_KEY_FILE }, 'the private key file is readable by other users; chmod 600 it')

  let inventory: GpuInventory
  try {
    // A declared inventory has nothing to measure; an empty list is the protocol's "unknown".
    inventory = options.gpus ? { gpus: options.gpus, simulated: true, readUtilization: async () => [] } : await nvidiaInventory()
  } catch (error) {
    if (!(error instanceof UserError)) throw error
    process.stderr.write(`${error.message}\n`)
    return 1
  }

  const challengeRunner = pickChallengeRunner(options, inventory, logger)
  const stateFile = options.stateFile ?? join(homedir(), '.gridshare-agent', `${account.address}.json`)
  const client = new AgentClient({ coordinatorUrl: options.coordinatorUrl, signer: account, clock: Date.now, sleep, random: Math.random, logger, sessions: true, firstContactMs: FIRST_CONTACT_MS })
  const agent = new Agent(
    {
      client,
      launcher: new WorkloadLauncher({ template: options.launcher ?? DEFAULT_LAUNCHER_TEMPLATE, logDir: join(dirname(stateFile), 'logs'), logger }),
      inventory,
      state: new AgentStateFile(stateFile),
      clock: Date.now,
      sleep,
      logger,
      newNodeKey: () => `${hostname().replace(/[^\w.-]/g, '-').slice(0, 40)}-${randomBytes(3).toString('hex')}`,
      ...(challengeRunner ? { challengeRunner } : {}),
      // The state directory holds the workload logs: the disk the agent's own writes fill.
      readFreeDiskMb: () => freeDiskMb(dirname(stateFile)),
    },
    {
      ...(options.nodeKey ? { nodeKey: options.nodeKey } : {}),
      pricePerGpuHour: options.pricePerGpuHour,
      region: options.region,
      energy: { renewable: options.renewable, ...(options.offPeak ? { offPeak: options.offPeak } : {}) },
      publicHost: options.publicHost ?? defaultPublicHost(),
      ...(options.heartbeatIntervalMs ? { heartbeatIntervalMs: options.heartbeatIntervalMs } : {}),
      keepWorkloads: options.keepWorkloads,
    },
  )

  const stop = new AbortController()
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      // A second Ctrl-C means now; the state file already holds what the next run needs.
      process.stderr.write(`${signal} again: exiting at once.\n`)
      process.exit(130)
    }
    logger.info({ signal, keepWorkloads: options.keepWorkloads }, 'stopping the agent')
    stop.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  logger.info({ address: account.address, coordinator: options.coordinatorUrl, gpus: inventory.gpus.length, simulated: inventory.simulated, stateFile }, 'agent starting')
  try {
    await agent.run(stop.signal)
    logger.info('agent stopped')
    return 0
  } catch (error) {
    logger.error({ err: error }, 'agent failed')
    const sentence = error instanceof UserError || error instanceof AgentRequestError ? error.message : 'The agent failed; the log above says why.'
    process.stderr.write(`${sentence}\n`)
    return 1
  }
}

/** --challenge-runner when given; for real GPUs the shipped NVIDIA runner
 *  when python3 has torch with CUDA; a declared inventory gets the Agent's CPU runner. */
function pickChallengeRunner(options: AgentOptions, inventory: GpuInventory, logger: ReturnType<typeof createLogger>): ChallengeRunner | undefined {
  if (options.challengeRunner) return commandChallengeRunner({ template: options.challengeRunner })
  if (inventory.simulated) return undefined
  if (torchCudaAvailable()) return commandChallengeRunner({ template: NVIDIA_RUNNER_TEMPLATE })
  logger.warn('python3 with torch and CUDA was not found and no --challenge-runner was given: this node cannot pass compute challenges and stays unlisted')
  return undefined
}

/** The first external IPv4 address: what a renter on the LAN or internet can
 *  reach when the machine has no NAT in between (else pass --public-host). */
function defaultPublicHost(): string {
  for (const addresses of Object.values(networkInterfaces()))
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal) return address.address
  return hostname()
}

process.exitCode = await main(process.argv.slice(2))
