import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createPublicClient, erc20Abi, http, parseUnits, type Address } from 'viem'
import { describe, expect, test } from 'vitest'
import { devAccounts } from '../../src/chain/devAccounts.ts'
import { startE2eApp } from '../support/e2eApp.ts'
import { runMain } from '../support/runMain.ts'

const run = promisify(execFile)

describe('a fresh local start', () => {
  test('piped /gpus shows the demo GPUs: the demo providers are listed before the first line is read', async () => {
    const { code, stdout, dir } = await runMain('/help\n/gpus\n', {}, 120_000)
    expect(code).toBe(0)
    const answers = stdout.trim().split('\n\n')
    // The network chart's URL under PUBLIC_URL closes the answer.
    const chart = /\nChart: http:\/\/localhost:\d+\/charts\/availability\.png\?days=7$/
    expect(answers[1]).toMatch(chart)
    expect(answers[1]!.replace(chart, '')).toBe(
      [
        'Available GPUs (price in GRID per GPU-hour)',
        'model         free  nodes  price  regions  reliability',
        'RTX4090-24GB  4     1      0.6    us-east  100%',
        'H100-80GB     2     1      2.5    eu-west  100%',
        'Rent with /rent <model> <hours> [count].',
      ].join('\n'),
    )
    // The chain URL file lives only while the chain runs.
    expect(existsSync(join(dir, 'devchain-rpc.json'))).toBe(false)
  }, 150_000)

  test('wallet:deposit finds the running chain by itself (its port changes at every start), and still takes an explicit URL', async () => {
    const { app, dir } = await startE2eApp()
    try {
      const file = join(dir, 'devchain-rpc.json')
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ rpcUrl: app.chainRpcUrl })
      const env = { ...process.env, DATABASE_PATH: join(dir, 'gridshare.db') }
      const [treasury, alice] = devAccounts(2)
      const { token } = JSON.parse(readFileSync(join(dir, 'devchain.json'), 'utf8')) as { token: Address }
      const client = createPublicClient({ transport: http(app.chainRpcUrl) })
      const balance = () => client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [treasury!.address] })
      const before = await balance()
      const found = await run('npm', ['run', '--silent', 'wallet:deposit', '--', '100'], { env })
      expect(found.stdout).toMatch(new RegExp(`^Sent 100 GRID from ${alice!.address} to the treasury: 0x[0-9a-f]{64}\\n$`))
      const given = await run('npm', ['run', '--silent', 'wallet:deposit', '--', app.chainRpcUrl, '2.5'], { env })
      expect(given.stdout).toMatch(/^Sent 2\.5 GRID from /)
      expect((await balance()) - before).toBe(parseUnits('102.5', 18))
    } finally {
      await app.stop()
    }
    expect(existsSync(join(dir, 'devchain-rpc.json'))).toBe(false)
    const missing = await run('npm', ['run', '--silent', 'wallet:deposit', '--', '100'], { env: { ...process.env, DATABASE_PATH: join(dir, 'gridshare.db') } }).catch((error: { code: number; stderr: string }) => error)
    expect(missing).toMatchObject({ code: 1, stderr: `No running dev chain: ${join(dir, 'devchain-rpc.json')} is missing. Start the product with npm start (no RPC_URL), or give the chain URL.\n` })
  }, 120_000)
})
