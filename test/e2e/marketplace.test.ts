import { join } from 'node:path'
import Database from 'better-sqlite3'
import { pino } from 'pino'
import { parseUnits } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { Agent } from '../../src/agent/Agent.ts'
import { AgentClient } from '../../src/agent/AgentClient.ts'
import { AgentStateFile } from '../../src/agent/AgentStateFile.ts'
import { parseGpuSpec } from '../../src/agent/parseGpuSpec.ts'
import { sleep } from '../../src/agent/sleep.ts'
import { DEFAULT_LAUNCHER_TEMPLATE, WorkloadLauncher } from '../../src/agent/WorkloadLauncher.ts'
import type { App } from '../../src/app/createApp.ts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import { checkLedger } from '../../src/ledger/checkLedger.ts'
import { LocalBotApi, type TestUser } from '../chat/telegram/LocalBotApi.ts'
import { bondAndVerifyAgent, depositOnChain, signLink, startE2eApp, until } from '../support/e2eApp.ts'

const keys = devAccounts(10)
const renter = privateKeyToAccount(keys[2]!.privateKey)
let dir: string
let api: LocalBotApi
let app: App
const agents: { stop: AbortController; run: Promise<void> }[] = []
let alice: TestUser

function startAgent(index: number, gpus: string, price: string, region: string) {
  const account = privateKeyToAccount(keys[index]!.privateKey)
  const logger = pino({ level: 'silent' })
  const stop = new AbortController()
  const agent = new Agent(
    {
      client: new AgentClient({ coordinatorUrl: `http://127.0.0.1:${app.httpPort}`, signer: account, clock: Date.now, sleep, random: Math.random, logger }),
      launcher: new WorkloadLauncher({ template: DEFAULT_LAUNCHER_TEMPLATE, logDir: join(dir, `agent-${index}`, 'logs'), logger }),
      inventory: { gpus: parseGpuSpec(gpus), simulated: true, readUtilization: async () => [] },
      state: new AgentStateFile(join(dir, `agent-${index}`, 'state.json')),
      clock: Date.now,
      sleep,
      logger,
      newNodeKey: () => `node-${index}`,
    },
    { pricePerGpuHour: price, region, energy: { renewable: false }, publicHost: '127.0.0.1', heartbeatIntervalMs: 300, shutdownReportMs: 2000 },
  )
  agents.push({ stop, run: agent.run(stop.signal) })
}

beforeAll(async () => {
  api = await LocalBotApi.start()
  alice = api.user(4242, 'Alice', { username: 'alice', started: true })
  ;({ app, dir } = await startE2eApp({ TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.apiRoot }))
  startAgent(8, 'H100-80GB:2', '2.5', 'eu-west')
  startAgent(9, 'RTX4090-24GB:4', '0.6', 'us-east')
  // Declared GPUs count only once bonded and verified.
  for (const index of [8, 9]) await bondAndVerifyAgent(app, privateKeyToAccount(keys[index]!.privateKey).address)
}, 60_000)

afterAll(async () => {
  for (const a of agents) a.stop.abort()
  await Promise.all(agents.map((a) => a.run.catch(() => {})))
  await app?.stop()
  await api?.close()
})

/** Sends a command as Alice in her private chat and returns the bot's answer. */
async function say(text: string) {
  api.sendText(alice, text)
  return api.nextMessage(alice.id, 15_000)
}

test('a renter links, deposits, rents on a real agent, stops early and is settled to the base unit', async () => {
  // Link the wallet: the signing page's API, signed by the renter's key.
  const link = await say('/link')
  const url = /https?:\/\/\S+\/link\/([\w-]+)/.exec(link.text)!
  expect(await signLink(`http://127.0.0.1:${app.httpPort}`, url[1]!, renter)).toMatchObject({ status: 'linked', address: renter.address })
  // Every security change is told in chat, with a Freeze button.
  const linked = await api.nextMessage(alice.id, 15_000)
  expect(linked.text).toContain(`Wallet ${renter.address} was linked by Telegram user`)

  // Deposit 20 GRID on the dev chain; the watcher credits it and tells Alice.
  const deposit = await say('/deposit')
  const treasury = /Treasury: (0x[0-9a-fA-F]{40})/.exec(deposit.text)![1] as `0x${string}`
  await depositOnChain(app, dir, renter, treasury, '20')
  const credited = await api.nextMessage(alice.id, 15_000)
  expect(credited.text).toMatch(/^Deposit of 20 GRID from 0x[0-9a-fA-F]{40} credited\./)

  // Capacity from both agents, then a quote and Confirm.
  await until(async () => ((await say('/gpus')).text.includes('RTX4090-24GB') ? true : undefined))
  const quote = await say('/rent H100 1 count:2')
  expect(quote.text).toContain('Quote: 2× H100-80GB for 1 h')
  expect(quote.text).toContain('Total: 5 GRID')
  api.press(alice, quote, 'Confirm')
  const confirmed = await until(() => {
    const now = api.messageNow(quote)
    return now && now.text.startsWith('Confirmed') ? now : undefined
  })
  const rentalId = /rental (r\w+)/.exec(confirmed.text)![1]!

  // The agent runs a real process and the renter gets its connection details.
  const running = await api.nextMessage(alice.id, 15_000)
  expect(running.text).toContain(`Rental ${rentalId} is running`)
  const port = /Open: http:\/\/127\.0\.0\.1:(\d+)/.exec(running.text)![1]
  expect(await (await fetch(`http://127.0.0.1:${port}`)).text()).toBe(`gridshare rental ${rentalId}\n`)

  // Stop early: one started minute is billed, the rest refunded.
  const stopped = await say(`/stop ${rentalId}`)
  const charged = (parseUnits('2.5', 18) * 2n * 1n) / 60n
  // Shown to 6 decimals; the exact charge (0.083333333333333333 GRID) is checked in the ledger below.
  expect(charged).toBe(83_333_333_333_333_333n)
  expect(stopped.text).toBe(`Stopped ${rentalId} after 1 min used: ≈ 0.083333 GRID charged, ≈ 4.916667 GRID refunded to your balance.`)
  const ended = await api.nextMessage(alice.id, 15_000)
  expect(ended.text).toContain(`Rental ${rentalId} ended`)
  // The agent stops the workload once the coordinator says so.
  await until(async () => ((await fetch(`http://127.0.0.1:${port}`).then(() => false, () => true)) ? true : undefined))

  const sqlite = new Database(join(dir, 'gridshare.db'), { readonly: true })
  expect(checkLedger(sqlite)).toEqual([])
  const balances = Object.fromEntries((sqlite.prepare('select key, balance from ledger_balances').all() as { key: string; balance: string }[]).map((r) => [r.key, BigInt(r.balance)]))
  const fee = (charged * 500n) / 10_000n
  expect(balances['system:fees']).toBe(fee)
  expect(Object.entries(balances).filter(([k]) => k.endsWith(':earnings')).map(([, v]) => v)).toEqual([charged - fee])
  sqlite.close()
})
