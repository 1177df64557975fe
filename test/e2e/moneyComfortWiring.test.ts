import { rmSync } from 'node:fs'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { App } from '../../src/app/createApp.ts'
import { startE2eApp } from '../support/e2eApp.ts'

// The composition root wires /limits to the real spend limits, and the real
// confirm path honours them: the unit tests build these by hand.
let app: App
let dir: string
beforeAll(async () => {
  ;({ app, dir } = await startE2eApp())
}, 120_000)
afterAll(async () => {
  await app?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

test('/limits in the assembled app sets and shows the monthly spend limit, and a removal waits', async () => {
  const carol = { platform: 'telegram' as const, id: '9001', name: 'carol' }
  const chat = { id: '9001', kind: 'private' as const }
  const say = async (text: string) => (await app.pipeline.runText(carol, chat, text))!
  expect((await say('/limits spend 5')).text).toBe('Your monthly spend limit is now 5 GRID; 0 GRID is committed this month (UTC).')
  expect((await say('/limits')).fields?.[0]).toEqual({ name: 'Monthly spend limit', value: '5 GRID' })
  expect((await say('/limits spend off')).text).toMatch(/^Your monthly spend limit will be removed at \d{4}-\d\d-\d\d \d\d:\d\d UTC\. Loosening the limit waits out the security hold/)
  expect((await say('/limits')).fields?.map((f) => f.name)).toEqual(['Monthly spend limit', 'Committed this month (UTC)', 'Waiting'])
})
