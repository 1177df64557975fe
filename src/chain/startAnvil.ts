import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname } from 'node:path'
import { forgetAnvilPid, recordAnvilPid, stopOrphanedAnvil } from './anvilOrphans.ts'
import { AnvilStartError } from './chainErrors.ts'
import { DEV_ACCOUNT_COUNT, DEV_MNEMONIC } from './devAccounts.ts'

export const DEV_CHAIN_ID = 31337

/** The subset of a pino logger this needs. */
export type AnvilLogger = {
  debug(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  isLevelEnabled(level: string): boolean
}

export type StartAnvilParameters = {
  /** Load the chain from this file if it exists, and dump to it periodically and on stop. */
  stateFile?: string | undefined
  /** Seconds between state dumps while running (only with `stateFile`). @default 1 */
  stateIntervalSeconds?: number | undefined
  /** @default a free port */
  port?: number | undefined
  /** Mine a block every this many seconds instead of one per transaction. */
  blockTime?: number | undefined
  logger?: AnvilLogger | undefined
  /** @default the binary of the `@foundry-rs/anvil` package for this platform */
  binaryPath?: string | undefined
  /** @default 15_000 */
  startTimeoutMs?: number | undefined
}

export type AnvilInstance = {
  rpcUrl: string
  chainId: number
  /** Stops anvil with SIGTERM and waits for it to exit, so a state file is fully written. */
  stop(): Promise<void>
}

const PORT_ATTEMPTS = 3
const STOP_TIMEOUT_MS = 10_000
const OUTPUT_LINES_KEPT = 30

/**
 * Starts a local anvil on 127.0.0.1 with the standard dev mnemonic and chain
 * id 31337, and resolves once it answers `eth_chainId`.
 * @throws AnvilStartError when the binary is missing, exits early or does not answer in time.
 */
export async function startAnvil(parameters: StartAnvilParameters = {}): Promise<AnvilInstance> {
  // A free port found by binding port 0 can be taken by someone else before
  // anvil binds it; only then is a fresh port worth another try.
  for (let attempt = 1; ; attempt++) {
    const port = parameters.port ?? (await findFreePort())
    try {
      return await startAnvilOnPort(parameters, port)
    } catch (error) {
      const retry = parameters.port === undefined && attempt < PORT_ATTEMPTS && error instanceof AnvilStartError && /address already in use/i.test(error.message)
      if (!retry) throw error
    }
  }
}

async function startAnvilOnPort(parameters: StartAnvilParameters, port: number): Promise<AnvilInstance> {
  const { stateFile, stateIntervalSeconds = 1, blockTime, logger, startTimeoutMs = 15_000 } = parameters
  const binary = parameters.binaryPath ?? resolveAnvilBinary()
  if (binary.includes('/')) {
    try {
      accessSync(binary, constants.X_OK)
    } catch (error) {
      throw new AnvilStartError({ reason: `cannot run ${binary}: ${(error as NodeJS.ErrnoException).code ?? 'not executable'}`, output: '' })
    }
  }
  const args = [
    '--host', '127.0.0.1',
    '--port', String(port),
    '--chain-id', String(DEV_CHAIN_ID),
    '--mnemonic', DEV_MNEMONIC,
    '--accounts', String(DEV_ACCOUNT_COUNT),
  ]
  if (blockTime !== undefined) args.push('--block-time', String(blockTime))
  if (stateFile !== undefined) {
    mkdirSync(dirname(stateFile), { recursive: true })
    const orphan = await stopOrphanedAnvil(stateFile)
    if (orphan !== undefined) logger?.warn({ pid: orphan }, 'stopped an embedded dev chain left running by an earlier run')
    setAsideUnreadableState(stateFile, logger)
    // Historical states too: voting power is read at a proposal's snapshot block,
    // which a restarted chain must still answer for.
    args.push('--state', stateFile, '--state-interval', String(stateIntervalSeconds), '--preserve-historical-states')
  }

  const verbose = logger?.isLevelEnabled('debug') ?? false
  // anvil runs under a small shell watchdog holding a pipe from us: whatever
  // ends this process (SIGKILL included, where no 'exit' handler runs), the
  // pipe closes and the watchdog sends anvil SIGTERM, which still lets it dump
  // its state. Closing the pipe is also how stop() asks it to end.
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'anvil-watchdog', binary, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  // 'close' rather than 'exit': it comes after stderr is drained, so an early
  // exit is reported with everything anvil printed. 'error' without 'close'
  // is how a spawn failure ends.
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => resolve(code))
    child.once('error', () => resolve(null))
  })
  let anvilPid: number | undefined
  void exited.then(() => {
    child.stdin?.destroy()
    if (stateFile !== undefined && anvilPid !== undefined) forgetAnvilPid(stateFile, anvilPid)
  })

  const output: string[] = []
  collectLines(child, 'stderr', (line) => {
    output.push(line)
    if (output.length > OUTPUT_LINES_KEPT) output.shift()
    logger?.warn({ anvil: line }, 'anvil stderr')
  })
  // "Listening on" is the proof that this process bound the port: an answer
  // to eth_chainId alone could come from another node already on it. The
  // banner before it lists the dev private keys, so it is never logged; the
  // RPC method log after it goes to a debug logger, or nowhere.
  const listening = new Promise<void>((resolve) => {
    let pastBanner = false
    collectLines(child, 'stdout', (line) => {
      const pid = /^gridshare-anvil-pid (\d+)$/.exec(line)
      if (pid) {
        anvilPid = Number(pid[1])
        if (stateFile !== undefined) recordAnvilPid(stateFile, anvilPid)
      } else if (pastBanner) {
        if (verbose) logger?.debug({ anvil: line }, 'anvil')
      } else if (line.startsWith('Listening on')) {
        pastBanner = true
        resolve()
      }
    })
  })

  const rpcUrl = `http://127.0.0.1:${port}`
  const spawnFailed = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new AnvilStartError({ reason: `cannot run ${binary}: ${error.message}`, output: '' })))
  })
  const exitedEarly = exited.then((code): never => {
    throw new AnvilStartError({ reason: `anvil exited with code ${code} before answering`, output: output.join('\n') })
  })
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AnvilStartError({ reason: `no answer on ${rpcUrl} within ${startTimeoutMs} ms`, output: '' })), startTimeoutMs)
  })
  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= stopChild(child, () => anvilPid, exited)
    return stopping
  }

  try {
    await Promise.race([listening.then(() => waitUntilAnswering(rpcUrl, exited)), spawnFailed, exitedEarly, timedOut])
  } catch (error) {
    await stop()
    throw error
  } finally {
    clearTimeout(timer)
  }
  void exited.then((code) => {
    if (!stopping) logger?.warn({ code }, 'the embedded dev chain (anvil) exited unexpectedly')
  })
  return { rpcUrl, chainId: DEV_CHAIN_ID, stop }
}

/**
 * anvil refuses to start from a state file it cannot parse, and a dump cut
 * short (power loss, SIGKILL mid-write) leaves exactly that. The dev chain is
 * disposable, so the file is moved aside (kept for inspection) and a fresh
 * chain starts; ensureDevChain then redeploys.
 */
function setAsideUnreadableState(stateFile: string, logger: AnvilLogger | undefined): void {
  if (!existsSync(stateFile)) return
  try {
    JSON.parse(readFileSync(stateFile, 'utf8'))
  } catch {
    const movedTo = `${stateFile}.unreadable-${Date.now()}`
    renameSync(stateFile, movedTo)
    logger?.warn({ stateFile, movedTo }, 'dev chain state file is unreadable; starting a fresh dev chain')
  }
}

/** The watchdog: starts anvil with the arguments it is given, prints its pid,
 *  and sends it SIGTERM once stdin (our pipe) reaches its end. */
const WATCHDOG = [
  'exec 3<&0',
  '"$@" <&- 3<&- &',
  'pid=$!',
  'echo "gridshare-anvil-pid $pid"',
  '(cat <&3 >/dev/null; kill -TERM "$pid" 2>/dev/null) >/dev/null 2>&1 &',
  'wait "$pid"',
].join('\n')

async function stopChild(child: ChildProcess, anvilPid: () => number | undefined, exited: Promise<number | null>): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  child.stdin?.end()
  const timer = setTimeout(() => {
    const pid = anvilPid()
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
    child.kill('SIGKILL')
  }, STOP_TIMEOUT_MS)
  await exited
  clearTimeout(timer)
}

async function waitUntilAnswering(rpcUrl: string, exited: Promise<unknown>): Promise<void> {
  let done = false
  void exited.then(() => (done = true))
  while (!done) {
    try {
      const response = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
        signal: AbortSignal.timeout(1_000),
      })
      if (response.ok) return
    } catch {
      // Not answering yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function collectLines(child: ChildProcess, stream: 'stdout' | 'stderr', onLine: (line: string) => void): void {
  let pending = ''
  child[stream]?.setEncoding('utf8')
  child[stream]?.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) if (line.trim() !== '') onLine(line.trimEnd())
  })
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => (port ? resolve(port) : reject(new Error('could not find a free port'))))
    })
  })
}

const PLATFORM_PACKAGES: Record<string, string> = {
  'linux-x64': '@foundry-rs/anvil-linux-amd64/bin/anvil',
  'linux-arm64': '@foundry-rs/anvil-linux-arm64/bin/anvil',
  'darwin-x64': '@foundry-rs/anvil-darwin-amd64/bin/anvil',
  'darwin-arm64': '@foundry-rs/anvil-darwin-arm64/bin/anvil',
  'win32-x64': '@foundry-rs/anvil-win32-amd64/bin/anvil.exe',
}

/**
 * The native binary from the platform package that `@foundry-rs/anvil`
 * installs, run directly: its JS wrapper (`npx anvil`) would add a node
 * process in between that does not forward every way the parent can die.
 * Falls back to `anvil` on PATH (a Foundry install).
 */
function resolveAnvilBinary(): string {
  const target = PLATFORM_PACKAGES[`${process.platform}-${process.arch}`]
  if (target) {
    try {
      const path = createRequire(import.meta.url).resolve(target)
      if (existsSync(path)) return path
    } catch {
      // Platform package not installed.
    }
  }
  return 'anvil'
}
