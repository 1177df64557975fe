/**
 * Checks the agent on a real GPU machine (not part of `vitest run`):
 * detects the GPUs with the real nvidia-smi, then runs one rental through the
 * agent against the fake coordinator with a workload that asks nvidia-smi
 * which GPU it was given. Prints one JSON summary; exit 0 when all holds.
 *   npx tsx test/agent/device/realGpuCheck.ts
 * On a machine without the repository's node_modules, bundle it first:
 *   npx esbuild test/agent/device/realGpuCheck.ts --bundle --platform=node --format=esm \
 *     --outfile=data/agent-device/check.mjs \
 *     --banner:js="import { createRequire } from 'module'; const require = createRequire(import.meta.url);"
 *   node data/agent-device/check.mjs
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { privateKeyToAccount } from 'viem/accounts'
import { Agent } from '../../../src/agent/Agent.ts'
import { AgentClient } from '../../../src/agent/AgentClient.ts'
import { AgentStateFile } from '../../../src/agent/AgentStateFile.ts'
import { gpuReports } from '../../../src/agent/GpuInventory.ts'
import { nvidiaInventory } from '../../../src/agent/nvidiaInventory.ts'
import { sleep } from '../../../src/agent/sleep.ts'
import { WorkloadLauncher } from '../../../src/agent/WorkloadLauncher.ts'
import { FakeCoordinator } from '../FakeCoordinator.ts'

const logger = pino({ level: 'warn' })
const dir = mkdtempSync(join(tmpdir(), 'gs-device-'))
const inventory = await nvidiaInventory()
const reports = gpuReports(inventory)
const utilization = await inventory.readUtilization()

const coordinator = await new FakeCoordinator().start()
coordinator.offer({ id: 'rdev1', gpuCount: 1, endsAt: Date.now() + 60_000, accessSecret: 'device-check-secret' })
const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const template = `nvidia-smi -i {gpus} --query-gpu=index,uuid,name --format=csv,noheader; echo "CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES"; exec ${process.execPath} -e "require('http').createServer((q,s)=>s.end('gridshare rental {rentalId}\\n')).listen({port})"`
const agent = new Agent(
  {
    client: new AgentClient({ coordinatorUrl: coordinator.url, signer: account, clock: Date.now, sleep, random: Math.random, logger }),
    launcher: new WorkloadLauncher({ template, logDir: join(dir, 'logs'), logger }),
    inventory,
    state: new AgentStateFile(join(dir, 'state.json')),
    clock: Date.now,
    sleep,
    logger,
    newNodeKey: () => 'device-check',
  },
  { pricePerGpuHour: '2.5', region: 'test', energy: { renewable: false }, publicHost: '127.0.0.1', heartbeatIntervalMs: 200 },
)
const stop = new AbortController()
const run = agent.run(stop.signal)
const connection = await coordinator.waitFor(() => coordinator.rentals.get('rdev1')?.connection, 30_000)
const answer = await (await fetch(`http://127.0.0.1:${connection.port}/`)).text()
const workloadLog = readFileSync(join(dir, 'logs', 'rdev1.log'), 'utf8')
coordinator.requestStop('rdev1')
const outcome = await coordinator.waitFor(() => coordinator.rentals.get('rdev1')?.outcome, 30_000)
stop.abort()
await run
await coordinator.close()

const assigned = reports[0].uuid ?? '0'
const ok = reports.length > 0 && answer === 'gridshare rental rdev1\n' && workloadLog.includes(assigned) && outcome === 'completed'
console.log(JSON.stringify({ ok, inventory: { gpus: inventory.gpus, cudaVersion: inventory.cudaVersion }, reports, utilization, registered: coordinator.calls[0].body, connection: { ...connection, secret: '[hidden]' }, answer, workloadLog, outcome }, null, 2))
process.exit(ok ? 0 : 1)
