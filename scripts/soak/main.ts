import Database from 'better-sqlite3'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { bytesToHex } from 'viem'
import { mnemonicToAccount, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { SecretBox } from '../../src/app/SecretBox.ts'
import { DEV_MNEMONIC, devAccounts } from '../../src/chain/devAccounts.ts'
import type { Reply } from '../../src/command/reply.ts'
import { SEALED_PREFIX } from '../../src/notify/enqueueNotification.ts'
import { LocalBotApi } from '../../test/chat/telegram/LocalBotApi.ts'
import { AgentProcesses, type AgentSpec } from './AgentProcesses.ts'
import { bondAgentNodes, setSoakParameters, waitForAgentNodes } from './bondSoakAgents.ts'
import { ChatTraffic } from './ChatTraffic.ts'
import { checkInvariants } from './checkInvariants.ts'
import { FaultInjector } from './FaultInjector.ts'
import { SOAK_RUN_VARIABLE, sweepLeftovers } from './leftoverProcesses.ts'
import { Prng } from './prng.ts'
import { productErrors } from './productErrors.ts'
import { ProductProcess } from './ProductProcess.ts'
import { SimulatedNodes, NODES_PER_SIMULATED_WALLET } from './SimulatedNodes.ts'
import { snapshotSource } from './snapshotSource.ts'
import { soakChain } from './soakChain.ts'
import { parseSoakOptions, SOAK_USAGE, type SoakOptions } from './soakOptions.ts'
import { SoakStats } from './SoakStats.ts'
import { waitForDrain } from './waitForDrain.ts'

/** 18 seconds: long enough to be a hold, short enough to withdraw within a 3-minute soak. */
const HOLD_HOURS = '0.005'
const WALLET_USERS = 40
const AGENT_GPUS = ['A100-80GB:2', 'L40S-48GB:2', 'A100-80GB:1', 'L40S-48GB:1']

/** `npm run soak -- --minutes N`: the product, real agents and simulated
 *  traffic under SIGKILLs, then a proof from the SQLite file and the chain
 *  that nothing was lost or doubled. Exits 1 on any violation. */
async function main(argv: string[]): Promise<number> {
  let options: SoakOptions
  try {
    options = parseSoakOptions(argv)
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${SOAK_USAGE}\n`)
    return 2
  }
  const startedAt = new Date()
  const stats = new SoakStats()
  const prng = new Prng(options.seed)
  const runId = randomBytes(6).toString('hex')
  const dir = mkdtempSync(join(tmpdir(), 'gs-soak-'))
  const databasePath = join(dir, 'gridshare.db')
  const cwd = snapshotSource(resolve(import.meta.dirname, '../..'), dir)
  const say = (text: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${text}\n`)
  say(`seed ${options.seed}, ${options.minutes} min, data in ${dir}`)

  const api = await LocalBotApi.start()
  const httpPort = await freePort()
  const coordinatorUrl = `http://127.0.0.1:${httpPort}`
  const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, [SOAK_RUN_VARIABLE]: runId }
  const product = new ProductProcess(
    {
      ...baseEnv,
      DATABASE_PATH: databasePath,
      HTTP_PORT: String(httpPort),
      HTTP_HOST: '127.0.0.1',
      PUBLIC_URL: coordinatorUrl,
      TELEGRAM_BOT_TOKEN: api.token,
      TELEGRAM_API_ROOT: api.apiRoot,
      LOG_LEVEL: 'warn',
      HEARTBEAT_INTERVAL_S: '15',
      RATE_LIMIT_BURST: '1000',
      RATE_LIMIT_PER_SECOND: '1000',
      // An epoch every two minutes, so reward payouts happen (and get interrupted) within the soak;
      // each pays the governed epoch_emission (50,000 GRID), so 30 minutes stay within the treasury's 1,000,000.
      EPOCH_CRON: '0 */2 * * * *',
    },
    join(dir, 'product.log'),
    cwd,
  )
  const keys = devAccounts(10)
  const agentSpecs: AgentSpec[] = Array.from({ length: options.agents }, (_, i) => ({
    name: `agent${i + 1}`,
    privateKey: keys[4 + i]!.privateKey,
    gpus: AGENT_GPUS[i]!,
    price: String(1 + i * 0.25),
    region: i % 2 ? 'us-west' : 'eu-north',
  }))
  mkdirSync(join(dir, 'agents'), { recursive: true })
  const agents = new AgentProcesses(agentSpecs, { dir, cwd, env: { ...baseEnv, LOG_LEVEL: 'warn' }, coordinatorUrl })
  const simulatedCount = Math.max(0, options.nodes - options.agents - 2) // two demo nodes come with the product
  const nodes = new SimulatedNodes({
    coordinatorUrl,
    wallets: derived(2000, Math.ceil(simulatedCount / NODES_PER_SIMULATED_WALLET)),
    nodeCount: simulatedCount,
    prng: new Prng(options.seed + 1),
    stats,
  })
  const traffic = new ChatTraffic({ api, prng, stats, product: () => (product.running ? product.current : undefined), holdMs: Number(HOLD_HOURS) * 3600_000 })
  const walletUsers = Math.min(WALLET_USERS, options.users)
  const userWallets = derived(1000, walletUsers)
  const funders = [1, 2, 3].map((i) => privateKeyToAccount(keys[i]!.privateKey))
  for (let i = 0; i < options.users; i++) {
    const tg = api.user(600_000 + i, `soaker${i}`, { username: `soaker${i}` })
    traffic.addUser({ tg, funded: false, deposited: 0n, rentals: [], busy: false, ...(i < walletUsers ? { wallet: userWallets[i]!, funder: funders[i % funders.length]! } : {}) })
  }

  // Children run in their own process groups, so a Ctrl-C at the terminal reaches only the soak: it takes them down.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      say(`${signal}: killing everything the soak started`)
      for (const group of [...product.groups, ...agents.groups]) killGroup(group)
      void sweepLeftovers(runId, 0).finally(() => process.exit(130))
    })

  let faults: FaultInjector | undefined
  let exitCode = 0
  try {
    setSoakParameters(databasePath, HOLD_HOURS)
    const first = await product.start()
    say(`product up: chain ${first.rpcUrl}, treasury ${first.treasury}, HTTP ${coordinatorUrl}`)
    if (funders.some((f) => f.address === first.treasury)) throw new Error('a funder is the treasury; pick other dev accounts')
    agents.startAll()
    nodes.start()
    const registered = await waitForAgentNodes(databasePath, agentSpecs.map((s) => privateKeyToAccount(s.privateKey).address))
    // Bonded while the product is stopped (cleanly): SQLite then has one writer.
    await product.stop()
    bondAgentNodes(databasePath, registered)
    await product.start()
    say(`${registered.length} of ${agentSpecs.length} agents registered and bonded; ${simulatedCount} simulated nodes heartbeating`)

    const trafficUntil = Date.now() + options.minutes * 60_000
    faults = new FaultInjector({ product, agents, prng: new Prng(options.seed + 2), stats, say, killEveryMs: options.killEveryMinutes * 60_000, quietAfter: trafficUntil - 30_000 })
    const faultLoop = faults.run().catch((error) => stats.violation(`fault injection stopped: ${error instanceof Error ? error.message : String(error)}`))
    await traffic.run({ until: trafficUntil, opsPerSecond: options.opsPerSecond, maxInFlight: 12, maxOps: Math.ceil(options.minutes * 60 * options.opsPerSecond) })
    faults.stop()
    await faultLoop
    say('traffic done; stopping agents and simulated nodes, then draining')
    if (!product.running) await product.start()
    await nodes.stopAll()
    await agents.stopAll()
    const drain = await waitForDrain(databasePath, 180_000)
    if (!drain.drained) stats.note(`the drain timed out: ${drain.waiting}`)

    const now = Date.now()
    const current = product.current!
    const { deployBlock } = JSON.parse(readFileSync(join(dir, 'devchain.json'), 'utf8')) as { deployBlock: string }
    const sqlite = new Database(databasePath, { readonly: true })
    try {
      const report = await checkInvariants({ sqlite, publicClient: soakChain(current.rpcUrl).publicClient, token: current.token, treasury: current.treasury, deployBlock: BigInt(deployBlock), botCalls: api.calls, now, readReply: replyReader(dir) })
      for (const v of report.violations) stats.violation(v)
      for (const [name, value] of Object.entries(report.figures)) stats.figures.push(`${name}: ${value}`)
    } finally {
      sqlite.close()
    }
  } catch (error) {
    stats.violation(`the soak itself failed: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    faults?.stop()
    await nodes.stopAll().catch(() => {})
    await agents.stopAll().catch(() => {})
    await product.stop().catch(() => {})
    product.close()
    await api.close().catch(() => {})
    const left = await sweepLeftovers(runId)
    for (const p of left) stats.violation(`process ${p.pid} was still running after the product and agents stopped: ${p.command}`)
  }

  for (const [cause, n] of productErrors(join(dir, 'product.log'))) for (let i = 0; i < n; i++) stats.note(`product log error: ${cause}`)
  const figures = stats.figures
  const other = [...stats.notes].sort((a, b) => b[1] - a[1]).map(([text, n]) => `${n}× ${text}`)
  process.stdout.write(`\nGridshare soak, ${startedAt.toISOString()}, ${options.minutes} min, seed ${options.seed}, ${options.users} users, ${options.nodes} nodes (${options.agents} agent processes, 2 demo, ${simulatedCount} simulated)\n\n`)
  process.stdout.write(stats.table() + '\n\n')
  for (const f of figures) process.stdout.write(`- ${f}\n`)
  if (other.length) process.stdout.write(`\nNotes (${other.length} kinds, most frequent first):\n${other.slice(0, 15).map((n) => `- ${n}`).join('\n')}\n`)
  if (stats.violations.length) {
    process.stdout.write(`\nViolations (${stats.violations.length}, first 30):\n${stats.violations.slice(0, 30).map((v) => `- ${v}`).join('\n')}\n`)
    exitCode = 1
  }
  process.stdout.write(`\nLogs: ${dir}\n`)
  return exitCode
}

/** The outbox seals private replies with the product's key (DATA_DIR/secret.key). */
function replyReader(dir: string): (stored: string) => Reply {
  const box = new SecretBox(Buffer.from(readFileSync(join(dir, 'secret.key'), 'utf8').trim(), 'hex'))
  return (stored) => JSON.parse(stored.startsWith(SEALED_PREFIX) ? box.open(stored.slice(SEALED_PREFIX.length)) : stored) as Reply
}

/** Mnemonic accounts beyond the ten the dev chain funds. */
function derived(from: number, count: number): PrivateKeyAccount[] {
  const parent = mnemonicToAccount(DEV_MNEMONIC, { path: "m/44'/60'/0'/0" }).getHdKey()
  return Array.from({ length: count }, (_, i) => privateKeyToAccount(bytesToHex(parent.deriveChild(from + i).privateKey!)))
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL')
  } catch {
    // The group is empty already.
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolvePort(port))
    })
  })
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`soak failed: ${error instanceof Error ? error.stack : String(error)}\n`)
    process.exit(1)
  },
)

