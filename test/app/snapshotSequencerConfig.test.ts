import { describe, expect, test } from 'vitest'
import { loadConfig } from '../../src/app/config.ts'

const SNAPSHOT = { SNAPSHOT_HUB_URL: 'http://127.0.0.1:3000', SNAPSHOT_SPACE: 'gridshare.eth' }

describe('SNAPSHOT_SEQUENCER_URL', () => {
  test('is optional: unset, governance derives it from the hub', () => {
    expect(loadConfig(SNAPSHOT).SNAPSHOT_SEQUENCER_URL).toBeUndefined()
    expect(loadConfig({ ...SNAPSHOT, SNAPSHOT_SEQUENCER_URL: 'http://127.0.0.1:3001' }).SNAPSHOT_SEQUENCER_URL).toBe('http://127.0.0.1:3001')
  })

  test('error: not a URL, or set without a hub and space', () => {
    expect(() => loadConfig({ ...SNAPSHOT, SNAPSHOT_SEQUENCER_URL: 'seq.snapshot.org' })).toThrow(
      'Invalid configuration: SNAPSHOT_SEQUENCER_URL ("seq.snapshot.org") is not a URL; expected the sequencer URL such as https://seq.snapshot.org.',
    )
    expect(() => loadConfig({ SNAPSHOT_SEQUENCER_URL: 'https://seq.snapshot.org' })).toThrow(
      'Invalid configuration: SNAPSHOT_SEQUENCER_URL is set without SNAPSHOT_HUB_URL and SNAPSHOT_SPACE; set those too, or unset it.',
    )
  })
})
