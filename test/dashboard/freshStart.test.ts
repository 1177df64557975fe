import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pino } from 'pino'
import { expect, test } from 'vitest'
import { loadConfig } from '../../src/app/config.ts'
import { createApp } from '../../src/app/createApp.ts'
import { until } from '../support/e2eApp.ts'

test('a fresh start on the embedded defaults shows its demo providers on / and draws the chart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-dash-'))
  const config = loadConfig({ DATABASE_PATH: join(dir, 'gridshare.db'), HTTP_PORT: '0', LOG_LEVEL: 'silent' })
  const io = { input: Readable.from([]), output: new Writable({ write: (_c, _e, done) => done() }), interactive: false }
  const app = await createApp(config, pino({ level: 'silent' }), io)
  await app.start()
  try {
    const base = `http://127.0.0.1:${app.httpPort}`
    expect(await app.demoReady(90_000)).toBe(true)
    // The snapshot runs as soon as the demo nodes are listed, not at the next 5-minute mark.
    const page = await until(async () => {
      const body = (await (await fetch(`${base}/`)).text()).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ')
      return body.includes('RTX4090-24GB us-east') ? body : undefined
    }, 30_000)
    expect(page).toContain('H100-80GB eu-west 2 0 0% 2.5 GRID 1')
    expect(page).toContain('RTX4090-24GB us-east 4 0 0% 0.6 GRID 1')
    const chart = await fetch(`${base}/charts/availability.png`)
    expect(chart.status).toBe(200)
    expect(chart.headers.get('content-type')).toBe('image/png')
  } finally {
    await app.stop()
  }
}, 150_000)
