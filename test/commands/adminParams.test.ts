import { describe, expect, test } from 'vitest'
import { renderPlainText } from '../../src/command/renderPlainText.ts'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { ProtocolParameters } from '../../src/governance/ProtocolParameters.ts'
import { createTestPipeline } from '../support/createTestPipeline.ts'

const operator = { platform: 'console' as const, id: 'local', name: 'console' }
const here = { id: 'console', kind: 'private' as const }

describe('/admin params', () => {
  test('fits an 80-column terminal: tables of values are listed under the table, wrapped', async () => {
    // The parameters live in their own database: the command reads nothing else.
    const store = openDatabase(':memory:')
    const params = new ProtocolParameters(store.db)
    const { pipeline, close } = createTestPipeline({ services: { params } })
    const reply = (await pipeline.runText(operator, here, '/admin params'))!
    const rendered = renderPlainText(reply)
    const widest = Math.max(...rendered.split('\n').map((line) => line.length))
    expect(widest).toBeLessThanOrEqual(80)
    expect(reply.table!.rows.find((r) => r[0] === 'gpu_weights')).toEqual(['gpu_weights', 'below', 'default'])
    expect(reply.table!.rows.find((r) => r[0] === 'protocol_fee_bps')).toEqual(['protocol_fee_bps', '500', 'default'])
    // Every entry of the JSON value is there, in order.
    const weights = JSON.parse(params.get('gpu_weights')) as Record<string, number>
    const block = reply.code!.split('\n')
    const start = block.indexOf('gpu_weights (default):')
    expect(start).toBeGreaterThanOrEqual(0)
    const listed = block
      .slice(start + 1)
      .filter((_, i, rest) => rest.slice(0, i + 1).every((l) => l.startsWith('  ')))
      .join(', ')
      .split(', ')
      .map((item) => item.trim())
    expect(listed).toEqual(Object.entries(weights).map(([k, v]) => `${k} = ${v}`))
    close()
    store.close()
  })
})
