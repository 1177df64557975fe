import { describe, expect, test } from 'vitest'
import { runMain } from '../../support/runMain.ts'
import { testRunEnv } from '../../support/processLeaks.ts'

describe('console adapter through a pipe (a real child process)', () => {
  test('answers each line, then exits 0 at end of input', async () => {
    const { code, stdout } = await runMain('/help\n/help help\n/hlep\n\n/help "oops\n/press\n/press two\n')
    expect(code).toBe(0)
    const answers = stdout.trim().split('\n\n')
    expect(answers[0]).toMatch(/^Gridshare commands\n\/help — List the commands/)
    expect(answers[1]).toBe(
      '/help — List the commands, or show how to use one\nUsage: /help [command]\nOptions: command (optional): A command name, e.g. rent\nExamples:\n  /help\n  /help rent',
    )
    expect(answers[2]).toBe('Unknown command /hlep — did you mean /help? Type /help for the list.')
    expect(answers[3]).toBe('A quote is not closed: put a " after the quoted text.')
    expect(answers[4]).toBe('Press a button by its number: /press 1 (buttons are shown as [n]).')
    expect(answers[5]).toBe('Press a button by its number: /press 1 (buttons are shown as [n]).')
    expect(answers).toHaveLength(6)
    // The console waits for the demo providers to be listed before its first line.
  }, 90_000)

  test('error: invalid configuration exits 2 with one line naming the variable', async () => {
    const bad = await runMain('', { HTTP_PORT: 'abc' })
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim().split('\n')).toEqual([
      'Invalid configuration: HTTP_PORT ("abc") is not a whole number; expected a port number between 0 and 65535.',
    ])
    const missingDir = await runMain('', { DATABASE_PATH: '/nonexistent/dir/x.db' })
    expect(missingDir.code).toBe(2)
    expect(missingDir.stderr).toContain('Invalid configuration: DATABASE_PATH')
  })
})

test('SIGTERM stops everything cleanly with exit code 0', async () => {
  const { spawn } = await import('node:child_process')
  const { mkdtempSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const dir = mkdtempSync(join(tmpdir(), 'gs-main-'))
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/app/main.ts'], {
    env: { ...testRunEnv(), PATH: process.env.PATH, DATABASE_PATH: join(dir, 'gridshare.db'), HTTP_PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready: ${stderr}`)), 60_000)
    child.stderr.on('data', (d) => {
      stderr += d
      if (stderr.includes('HTTP on port')) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  child.kill('SIGTERM')
  expect(await exited).toBe(0)
  expect(stderr).toMatch(/^Dev chain 31337 at http:\/\/127\.0\.0\.1:\d+: token GRID at 0x[0-9a-fA-F]{40}, treasury 0x[0-9a-fA-F]{40}\nHTTP on port \d+\.\n/)
}, 90_000)
