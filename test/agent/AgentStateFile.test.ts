import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { AgentStateFile, type AgentState } from '../../src/agent/AgentStateFile.ts'

const state: AgentState = {
  version: 1,
  address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  nodeKey: 'box-1',
  nodeId: 'n1',
  rentals: [
    {
      rental: { id: 'r7k3p', gpuCount: 1, endsAt: 1_750_000_000_000, accessSecret: 'kQ9z' },
      gpus: ['GPU-5f1c'],
      workload: { pid: 4242, port: 40123, logFile: '/tmp/r7k3p.log', identity: 'boot:99' },
      runningReported: true,
    },
  ],
  pendingReports: [{ rentalId: 'r1', outcome: 'failed', reason: 'gone' }],
}

test('saves owner-only in a new directory, replacing the file whole, and loads it back', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'gs-state-')), 'nested')
  const file = new AgentStateFile(join(dir, 'state.json'))
  expect(file.load()).toBeUndefined()
  file.save(state)
  file.save({ ...state, nodeId: 'n2' })
  expect(file.load()).toEqual({ ...state, nodeId: 'n2' })
  expect(readdirSync(dir)).toEqual(['state.json'])
  expect(statSync(join(dir, 'state.json')).mode & 0o777).toBe(0o600)
  expect(statSync(dir).mode & 0o777).toBe(0o700)
})

test('error: a state file that is not JSON, or not a state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-state-'))
  writeFileSync(join(dir, 'bad.json'), '{"version":1,')
  expect(() => new AgentStateFile(join(dir, 'bad.json')).load()).toThrow(`The state file ${dir}/bad.json is not valid JSON; move it away to start afresh.`)
  writeFileSync(join(dir, 'other.json'), '{"version":2}')
  expect(() => new AgentStateFile(join(dir, 'other.json')).load()).toThrow(
    `The state file ${dir}/other.json does not hold an agent state; move it away to start afresh.`,
  )
})
