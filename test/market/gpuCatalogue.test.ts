import { expect, test } from 'vitest'
import { canonicalGpu, resolveModelQuery } from '../../src/market/gpuCatalogue.ts'

test.each([
  ['NVIDIA H100 80GB HBM3', 81559, 'H100-80GB'],
  ['NVIDIA H100 PCIe', 81559, 'H100-80GB'],
  ['NVIDIA H100 NVL', 95830, 'H100-94GB'],
  ['NVIDIA H200', 143771, 'H200-141GB'],
  ['NVIDIA A100-SXM4-80GB', 81920, 'A100-80GB'],
  ['NVIDIA A100-PCIE-40GB', 40960, 'A100-40GB'],
  ['NVIDIA GeForce RTX 4090', 24564, 'RTX4090-24GB'],
  ['NVIDIA GeForce RTX 3090', 24576, 'RTX3090-24GB'],
  ['Tesla T4', 15360, 'T4-16GB'],
  ['NVIDIA L40S', 46068, 'L40S-48GB'],
  ['H100-80GB', undefined, 'H100-80GB'],
  ['AMD Instinct MI300X', 196608, 'MI300X-192GB'],
])('%s → %s', (name, memory, model) => {
  expect(canonicalGpu(name, memory).model).toBe(model)
})

test('resolves what people type against the models on offer', () => {
  const available = ['H100-80GB', 'RTX4090-24GB']
  expect(resolveModelQuery('h100', available)).toBe('H100-80GB')
  expect(resolveModelQuery('4090', available)).toBe('RTX4090-24GB')
  expect(resolveModelQuery('RTX4090-24GB', available)).toBe('RTX4090-24GB')
  expect(resolveModelQuery('banana', available)).toBeUndefined()
})
