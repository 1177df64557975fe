import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pino } from 'pino'
import { test } from 'vitest'
import { loadConfig } from '../../src/app/config.ts'
import { createApp } from '../../src/app/createApp.ts'

test('demo', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-demo-'))
  const config = loadConfig({ DATABASE_PATH: join(dir, 'gridshare.db'), HTTP_PORT: '0', LOG_LEVEL: 'silent' })
  const io = { input: Readable.from([]), output: new Writable({ write: (_c, _e, done) => done() }), interactive: false }
  const app = await createApp(config, pino({ level: 'warn' }), io)
  await app.start()
  const user = { platform: 'telegram' as const, id: '1', name: 'x' }
  const dm = { id: '1', kind: 'private' as const }
  for (let i = 0; i < 40; i++) {
    await new Promise((r) => setTimeout(r, 1000))
    const reply = await app.pipeline.runText(user, dm, '/gpus')
    const rows = app.db.$client.prepare("select id, verification, listed, online, verification_failure from nodes").all()
    console.log(i, JSON.stringify(rows), reply?.table ? 'TABLE' : reply?.text?.slice(0, 60))
    if (reply?.table) break
  }
  console.log(JSON.stringify(app.db.$client.prepare("select key, balance from ledger_balances where key like '%bond%'").all()))
  await app.stop()
}, 90_000)
