import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, expect, test } from 'vitest'
import { DEFAULT_LAUNCHER_TEMPLATE, WorkloadLauncher, type Workload } from '../../src/agent/WorkloadLauncher.ts'
import type { AgentRental } from '../../src/protocol/agentProtocol.ts'
import { SSH_KEYS } from '../identity/sshKeyFixtures.ts'

const logger = pino({ level: 'silent' })
const LISTEN = `exec node -e "require('http').createServer((q,s)=>s.end('ok')).listen({port})"`
const running: Workload[] = []
afterEach(async () => {
  for (const workload of running.splice(0)) await workload.stop()
})

function setUp(template: (dir: string) => string) {
  const dir = mkdtempSync(join(tmpdir(), 'gs-launch-'))
  const launcher = new WorkloadLauncher({ template: template(dir), logDir: join(dir, 'logs'), logger, stopGraceMs: 2_000 })
  const launch = async (rental: Partial<AgentRental>) => {
    const workload = await launcher.launch({ rental: { id: 'r7k3p', gpuCount: 1, endsAt: Date.UTC(2030, 0, 1), accessSecret: 'kQ9z', ...rental }, gpus: ['0'] })
    running.push(workload)
    return workload
  }
  const read = (name: string) => readFileSync(join(dir, name), 'utf8')
  return { dir, launcher, launch, read }
}

test('{image} and {sshPublicKeys} reach the workload as given: the image reference, and the keys one per line', async () => {
  const t = setUp((dir) => `printf %s {image} > ${dir}/image && printf %s {sshPublicKeys} > ${dir}/authorized_keys && printf %s "$GRIDSHARE_SSH_KEYS|$GRIDSHARE_IMAGE" > ${dir}/env && ${LISTEN}`)
  const keys = [SSH_KEYS.ed25519.line, SSH_KEYS.rsa2048.line]
  await t.launch({ image: 'pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime', sshPublicKeys: keys })
  expect(t.read('image')).toBe('pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime')
  expect(t.read('authorized_keys')).toBe(`${keys[0]}\n${keys[1]}`)
  expect(t.read('env')).toBe(`${keys[0]}\n${keys[1]}|pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime`)
  expect(t.launcher.protocol).toBe('ssh')
})

test.each([
  ['bare', (dir: string) => `printf %s {image} > ${dir}/image && ${LISTEN}`],
  ['in double quotes', (dir: string) => `printf %s "{image}" > ${dir}/image && ${LISTEN}`],
  ['in single quotes', (dir: string) => `printf %s '{image}' > ${dir}/image && ${LISTEN}`],
])('attack: an image value with shell in it runs nothing (%s); the workload gets the text as it was', async (_where, template) => {
  const t = setUp(template)
  const hostile = `x'"; touch ${t.dir}/pwned; $(touch ${t.dir}/pwned2) \`touch ${t.dir}/pwned3\``
  await t.launch({ image: hostile })
  expect(t.read('image')).toBe(hostile)
  expect([existsSync(join(t.dir, 'pwned')), existsSync(join(t.dir, 'pwned2')), existsSync(join(t.dir, 'pwned3'))]).toEqual([false, false, false])
})

test('attack: a key line with shell in it runs nothing', async () => {
  const t = setUp((dir) => `printf %s {sshPublicKeys} > ${dir}/authorized_keys && ${LISTEN}`)
  const hostile = `${SSH_KEYS.ed25519.line} $(touch ${t.dir}/pwned)`
  await t.launch({ sshPublicKeys: [hostile] })
  expect(t.read('authorized_keys')).toBe(hostile)
  expect(existsSync(join(t.dir, 'pwned'))).toBe(false)
})

test('from an older coordinator (no image, no keys) both render empty and the default template is unchanged', async () => {
  const t = setUp((dir) => `printf '[%s][%s]' {image} {sshPublicKeys} > ${dir}/both && ${LISTEN}`)
  await t.launch({})
  expect(t.read('both')).toBe('[][]')
  const plain = setUp(() => DEFAULT_LAUNCHER_TEMPLATE)
  const workload = await plain.launch({})
  expect(await (await fetch(`http://127.0.0.1:${workload.port}/`)).text()).toBe('gridshare rental r7k3p\n')
  expect(plain.launcher.protocol).toBe('http')
})
