import { execFileSync } from 'node:child_process'
import { expect, test } from 'vitest'
import { renderCommandTemplate, type TemplateValues } from '../../src/agent/renderCommandTemplate.ts'
import { DEFAULT_LAUNCHER_TEMPLATE } from '../../src/agent/WorkloadLauncher.ts'

const values: TemplateValues = {
  rentalId: 'r7k3p',
  gpus: 'GPU-5f1c2a9e-7b3d-4e21-9c0a-1d2e3f4a5b6c,GPU-0a7e3c11-92b4-4f6d-8e15-3b9c0d2e4f71',
  endsAt: '2025-07-01T12:00:00.000Z',
  secret: 'kQ9z-Xw2_p',
  port: '40123',
  image: 'pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime',
  sshPublicKeys: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHCChgozMk+5vq9kT6F/HEBnbAXciSBIBpdPfuLhQbRR alice@laptop',
}
const sh = (command: string) => execFileSync('/bin/sh', ['-c', command], { encoding: 'utf8' })

test('fills the default template into a command that runs as written', () => {
  expect(renderCommandTemplate(DEFAULT_LAUNCHER_TEMPLATE, values)).toBe(
    `node -e "require('http').createServer((q,s)=>s.end('gridshare rental r7k3p\\n')).listen(40123)"`,
  )
})

test('fills the usual docker template', () => {
  const template = `docker run --rm --gpus '"device={gpus}"' -e ACCESS_SECRET={secret} -p {port}:22 --stop-timeout 10 ghcr.io/gridshare/ssh-cuda:12.4`
  expect(renderCommandTemplate(template, values)).toBe(
    `docker run --rm --gpus '"device=GPU-5f1c2a9e-7b3d-4e21-9c0a-1d2e3f4a5b6c,GPU-0a7e3c11-92b4-4f6d-8e15-3b9c0d2e4f71"' -e ACCESS_SECRET=kQ9z-Xw2_p -p 40123:22 --stop-timeout 10 ghcr.io/gridshare/ssh-cuda:12.4`,
  )
})

test.each([
  ['bare', `printf %s {secret}`],
  ['double quotes', `printf %s "[{secret}]" | tr -d '[]'`],
  ['single quotes', `printf %s '{secret}'`],
  ['after an escaped quote', `printf %s \\" >/dev/null; printf %s {secret}`],
])('a hostile value reaches the program intact and runs nothing, %s', (_where, template) => {
  const secret = `a'b"c $(echo pwned) \`echo pwned\` \\ $HOME ; rm -rf /nonexistent *`
  expect(sh(renderCommandTemplate(template, { ...values, secret }))).toBe(secret)
})

test('leaves braces that are not placeholders alone', () => {
  expect(renderCommandTemplate('echo ${HOME} {other} {port}', values)).toBe('echo ${HOME} {other} 40123')
})
