import { expect, test } from 'vitest'
import { createLogger } from '../../src/app/logger.ts'
import { readableDestination, readableLogLine } from '../../src/agent/readableLog.ts'

test('a log entry reads as one sentence with its details; warnings and errors are named', () => {
  const time = new Date(2026, 10, 30, 12, 3, 4).getTime()
  expect(readableLogLine(JSON.stringify({ level: 30, time, pid: 7, hostname: 'box', msg: 'registered with the coordinator', nodeId: 'n1', gpus: 2 }))).toBe(
    '12:03:04  registered with the coordinator (nodeId n1, gpus 2)\n',
  )
  expect(readableLogLine(JSON.stringify({ level: 40, time, msg: 'the challenge failed', reason: 'The challenge failed: late.' }))).toBe('12:03:04  warning: the challenge failed (reason The challenge failed: late.)\n')
  expect(readableLogLine(JSON.stringify({ level: 50, time, msg: 'heartbeat failed', err: { type: 'Error', message: 'ECONNRESET', stack: 'Error: ECONNRESET\n    at x' } }))).toBe('12:03:04  error: heartbeat failed: ECONNRESET\n')
  // Not JSON: passed through, one line.
  expect(readableLogLine('plain text')).toBe('plain text\n')
})

test('through the real logger: readable lines, and the secrets are still scrubbed', () => {
  const lines: string[] = []
  const secret = '0x' + 'ab'.repeat(32)
  const logger = createLogger({ level: 'info', secrets: [secret], destination: readableDestination({ write: (text: string) => lines.push(text) }) })
  logger.info({ rentalId: 'r1' }, `rental started with ${secret}`)
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d {2}rental started with \[redacted\] \(rentalId r1\)\n$/)
})
