import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { parseAgentOptions } from '../../src/agent/parseAgentOptions.ts'
import { readPrivateKeyFile } from '../../src/agent/readPrivateKeyFile.ts'

const required = ['--coordinator', 'https://gridshare.example.org/', '--private-key-file', '/etc/gridshare/key']

test('reads every option', () => {
  expect(
    parseAgentOptions([
      ...required,
      '--gpus=H100-80GB:2',
      '--price',
      '3.75',
      '--region',
      'eu-west',
      '--renewable',
      '--offpeak',
      '22-6',
      '--state-file',
      '/var/lib/gridshare/state.json',
      '--launcher',
      'docker run -p {port}:22 img',
      '--heartbeat-ms',
      '15000',
      '--node-key',
      'rack2.box-7',
      '--public-host',
      'gpu7.example.org',
      '--keep-workloads',
    ]),
  ).toEqual({
    coordinatorUrl: 'https://gridshare.example.org',
    privateKeyFile: '/etc/gridshare/key',
    gpus: [
      { index: 0, name: 'H100-80GB', memoryMb: 81920 },
      { index: 1, name: 'H100-80GB', memoryMb: 81920 },
    ],
    pricePerGpuHour: '3.75',
    region: 'eu-west',
    renewable: true,
    offPeak: { startHour: 22, endHour: 6 },
    stateFile: '/var/lib/gridshare/state.json',
    launcher: 'docker run -p {port}:22 img',
    heartbeatIntervalMs: 15000,
    nodeKey: 'rack2.box-7',
    publicHost: 'gpu7.example.org',
    keepWorkloads: true,
    help: false,
  })
})

test('defaults', () => {
  expect(parseAgentOptions(required)).toEqual({
    coordinatorUrl: 'https://gridshare.example.org',
    privateKeyFile: '/etc/gridshare/key',
    pricePerGpuHour: '2.5',
    region: 'unknown',
    renewable: false,
    keepWorkloads: false,
    help: false,
  })
})

test.each([
  [[], "--coordinator is required: the coordinator's URL, such as https://gridshare.example.org."],
  [['--coordinator', 'gridshare.example.org', '--private-key-file', 'k'], '--coordinator must be an http or https URL, such as https://gridshare.example.org.'],
  [[...required, '--price', '2,5'], '--price must be a decimal amount of tokens per GPU-hour, such as 2.5.'],
  [[...required, '--region', 'EU West'], '--region must be 2 to 32 lowercase letters, digits or dashes, such as eu-west.'],
  [[...required, '--offpeak', '22'], '--offpeak must be two different UTC hours as start-end, such as 22-6.'],
  [[...required, '--offpeak', '25-6'], '--offpeak must be two different UTC hours as start-end, such as 22-6.'],
  [[...required, '--heartbeat-ms', '10'], '--heartbeat-ms must be a whole number of milliseconds from 250 to 600000.'],
  [[...required, '--node-key', 'my box'], '--node-key must be 1 to 64 letters, digits, dots, dashes or underscores.'],
  [[...required, '--launcher', ' '], '--launcher must be a shell command, such as "docker run … -p {port}:22 …".'],
  [[...required, '--gpus', 'H100:2'], '"H100" in --gpus does not end with its memory size; write it as model-memory, such as H100-80GB.'],
  [[...required, '--gpu', 'H100-80GB'], 'Unknown option --gpu.'],
  [[...required, '--price'], '--price needs a value.'],
  [[...required, '--renewable=yes'], '--renewable takes no value.'],
  [[...required, 'start'], 'Unexpected argument "start"; every option starts with --.'],
])('error: %j', (argv, message) => {
  expect(() => parseAgentOptions(argv)).toThrow(message)
})

test('reads a trimmed 0x key, and never quotes a bad file in its error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-key-'))
  const key = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
  writeFileSync(join(dir, 'good'), `  ${key}\n`, { mode: 0o600 })
  expect(readPrivateKeyFile(join(dir, 'good'))).toEqual({ key, readableByOthers: false })
  writeFileSync(join(dir, 'bad'), key.slice(2), { mode: 0o644 })
  expect(() => readPrivateKeyFile(join(dir, 'bad'))).toThrow(`--private-key-file ${dir}/bad must hold one 0x-prefixed private key of 64 hex digits.`)
  expect(() => readPrivateKeyFile(join(dir, 'missing'))).toThrow(`Cannot read --private-key-file ${dir}/missing: no such file.`)
  expect(() => readPrivateKeyFile(dir)).toThrow(`Cannot read --private-key-file ${dir}: it is a directory.`)
})

test('--challenge-runner takes a template that writes to {out}', () => {
  const template = 'python3 runner.py --seed {seed} --matrix-seed {matrixSeed} --size {size} --gpus {gpus} --out {out}'
  expect(parseAgentOptions([...required, '--challenge-runner', template]).challengeRunner).toBe(template)
  expect(() => parseAgentOptions([...required, '--challenge-runner', 'python3 runner.py'])).toThrow(
    '--challenge-runner must be a shell command that writes to {out}, such as "python3 runner.py --seed {seed} --matrix-seed {matrixSeed} --size {size} --gpus {gpus} --out {out}".',
  )
})
