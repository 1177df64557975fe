import { PassThrough } from 'node:stream'
import { stripVTControlCharacters } from 'node:util'
import { expect, test } from 'vitest'
import { ConsoleAdapter } from '../../../src/chat/console/ConsoleAdapter.ts'
import { createTestPipeline } from '../../support/createTestPipeline.ts'

const tick = () => new Promise((resolve) => setTimeout(resolve, 20))

test('a notification arriving while the prompt waits prints above it, and the prompt comes back with what was typed', async () => {
  const { pipeline, close } = createTestPipeline()
  const input = new PassThrough()
  const output = new PassThrough()
  let written = ''
  output.on('data', (chunk) => (written += chunk))
  const adapter = new ConsoleAdapter({ pipeline, input, output, interactive: true })
  const running = adapter.run()
  input.write('/he')
  await tick()
  const beforeNotice = written.length
  await adapter.sendPrivate('local', { text: 'Rental r7k3p is running.' })
  const notice = written.slice(beforeNotice)
  // The half-typed prompt line is cleared first, not written over.
  expect(notice.startsWith('\x1b[2K')).toBe(true)
  expect(stripVTControlCharacters(notice)).toBe('Rental r7k3p is running.\n\n> /he')
  // The typed text is still the line being edited.
  input.write('lp help\n')
  await tick()
  expect(stripVTControlCharacters(written)).toContain('/help — List the commands, or show how to use one')
  input.end()
  await running
  close()
})

test('piped (not interactive), a notification is printed as is', async () => {
  const { pipeline, close } = createTestPipeline()
  const output = new PassThrough()
  let written = ''
  output.on('data', (chunk) => (written += chunk))
  const adapter = new ConsoleAdapter({ pipeline, input: new PassThrough(), output, interactive: false })
  await adapter.sendPrivate('local', { text: 'Rental r7k3p is running.' })
  expect(written).toBe('Rental r7k3p is running.\n\n')
  close()
})
