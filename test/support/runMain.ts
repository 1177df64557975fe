import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testRunEnv } from './processLeaks.ts'

/** Runs `npm start`'s entry point as a real child process with piped stdin. */
export function runMain(input: string, env: Record<string, string> = {}, timeoutMs = 60_000) {
  const dir = mkdtempSync(join(tmpdir(), 'gs-main-'))
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/app/main.ts'], {
    env: { ...testRunEnv(), PATH: process.env.PATH, DATABASE_PATH: join(dir, 'gridshare.db'), HTTP_PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  child.stdin.end(input)
  return new Promise<{ code: number | null; stdout: string; stderr: string; dir: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`main did not exit within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`))
    }, timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, dir })
    })
  })
}
