import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseUnits } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { App } from '../../src/app/createApp.ts'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import type { ChatPlace, ChatUser } from '../../src/command/CommandContext.ts'
import { bondAndVerifyAgent, depositOnChain, signLink, startE2eApp, until } from '../support/e2eApp.ts'
import { testRunEnv } from '../support/processLeaks.ts'

const keys = devAccounts(10)
const renter = privateKeyToAccount(keys[3]!.privateKey)
const bob: ChatUser = { platform: 'telegram', id: '77', name: 'bob' }
const dm: ChatPlace = { id: '77', kind: 'private' }
let app: App
let dir: string
let agent: ChildProcess

beforeAll(async () => {
  ;({ app, dir } = await startE2eApp({ HEARTBEAT_INTERVAL_S: '1', RATE_LIMIT_BURST: '1000', RATE_LIMIT_PER_SECOND: '1000' }))
  const keyFile = join(dir, 'provider.key')
  writeFileSync(keyFile, keys[7]!.privateKey, { mode: 0o600 })
  agent = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/agent/main.ts', '--coordinator', `http://127.0.0.1:${app.httpPort}`, '--private-key-file', keyFile, '--gpus', 'A100-80GB:1', '--price', '1', '--region', 'ap-south', '--state-file', join(dir, 'agent.json'), '--heartbeat-ms', '300'],
    { stdio: 'ignore', env: { ...testRunEnv(), PATH: process.env.PATH, LOG_LEVEL: 'silent' } },
  )
  await bondAndVerifyAgent(app, privateKeyToAccount(keys[7]!.privateKey).address)
}, 60_000)

afterAll(async () => {
  agent?.kill('SIGKILL')
  await app?.stop()
  // The killed agent's workload outlives it, as a renter's job would: stop its process group here.
  const state = JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8')) as { rentals: { workload: { pid: number } }[] }
  for (const { workload } of state.rentals) {
    try {
      process.kill(-workload.pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
})

const run = async (text: string) => {
  const reply = (await app.pipeline.runText(bob, dm, text))!
  if (reply.error) throw new Error(`${text}: ${reply.text}`)
  return reply
}

test('an agent killed mid-rental: the node goes offline, the renter is refunded the unserved time and paid from the bond', async () => {
  const link = await run('/link')
  const token = /\/link\/([\w-]+)/.exec(link.buttons![0]! && 'url' in link.buttons![0]! ? link.buttons![0].url : '')![1]!
  await signLink(`http://127.0.0.1:${app.httpPort}`, token, renter)
  const treasury = (await run('/deposit')).fields!.find((f) => f.name === 'Treasury')!.value as `0x${string}`
  await depositOnChain(app, dir, renter, treasury, '10')
  await until(async () => ((await run('/balance')).fields![0]!.value === '10 GRID' ? true : undefined))
  await until(async () => ((await run('/gpus')).table ? true : undefined), 20_000)

  const quote = await run('/rent A100 2')
  const confirm = quote.buttons!.find((b) => b.label === 'Confirm')!
  const outcome = await app.pipeline.press(bob, dm, 'action' in confirm ? confirm.action : '')
  const rentalId = /rental (r\w+)/.exec(outcome.status === 'ok' ? outcome.reply.text! : '')![1]!
  await until(async () => ((await run(`/job ${rentalId}`)).fields!.find((f) => f.name === 'Status')!.value === 'running' ? true : undefined))

  await new Promise((resolve) => setTimeout(resolve, 1000)) // a few heartbeats while it runs
  agent.kill('SIGKILL') // no goodbye, no report
  const job = await until(async () => {
    const reply = await run(`/job ${rentalId}`)
    return reply.fields!.find((f) => f.name === 'Status')!.value.startsWith('failed') ? reply : undefined
  }, 30_000)
  expect(job.fields!.find((f) => f.name === 'Status')!.value).toBe('failed (its node went offline)')
  const settled = job.fields!.find((f) => f.name === 'Settled')!.value
  const [charged, refunded] = [...settled.matchAll(/([\d.]+) GRID/g)].map((m) => parseUnits(m[1]!, 18))
  expect(charged! + refunded!).toBe(parseUnits('2', 18))
  expect(charged).toBe(parseUnits('1', 18) / 60n) // one started minute, until the last heartbeat
  // 10 − 1/60 GRID (rounded in the renter's favour), plus 20% of the 2 GRID cost from the provider's bond.
  expect((await run('/balance')).fields![0]!.value).toBe('≈ 10.383333 GRID')
  expect((await run('/balance exact')).fields![0]!.value).toBe('10.383333333333333334 GRID')
}, 90_000)
