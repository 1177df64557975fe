import { expect, test } from 'vitest'
import { parseGpuSpec } from '../../src/agent/parseGpuSpec.ts'

test('expands a declared inventory into one GPU per device, memory from the name', () => {
  expect(parseGpuSpec('H100-80GB:2, RTX4090-24GB:1,A100-SXM4-40GB')).toEqual([
    { index: 0, name: 'H100-80GB', memoryMb: 81920 },
    { index: 1, name: 'H100-80GB', memoryMb: 81920 },
    { index: 2, name: 'RTX4090-24GB', memoryMb: 24576 },
    { index: 3, name: 'A100-SXM4-40GB', memoryMb: 40960 },
  ])
})

test.each([
  ['', '--gpus is empty; declare GPUs as model-memory:count, such as "H100-80GB:2,RTX4090-24GB:4".'],
  ['H100-80GB:2,,T4-16GB', '--gpus has an empty entry; declare GPUs as model-memory:count, such as "H100-80GB:2,RTX4090-24GB:4".'],
  ['H100:2', '"H100" in --gpus does not end with its memory size; write it as model-memory, such as H100-80GB.'],
  ['H100-80GB:two', '"H100-80GB:two" in --gpus has a bad count; use a whole number from 1 to 64, such as H100-80GB:2.'],
  ['H100-80GB:0', '"H100-80GB:0" in --gpus has a bad count; use a whole number from 1 to 64, such as H100-80GB:2.'],
  ['H100-80GB:2:3', '"H100-80GB:2:3" in --gpus has a bad count; use a whole number from 1 to 64, such as H100-80GB:2.'],
  ['H100-0GB', '"H100-0GB" in --gpus declares 0 GB; a GPU\'s memory must be from 1 to 976 GB.'],
  ['H100-80GB:40,L40S-48GB:30', '--gpus declares 70 GPUs but one node holds at most 64.'],
])('error: %j', (spec, message) => {
  expect(() => parseGpuSpec(spec)).toThrow(message)
})
