import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { parseCudaVersion, parseNvidiaSmiQuery } from '../../src/agent/parseNvidiaSmi.ts'

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')

describe('parseNvidiaSmiQuery', () => {
  test.each([
    ['captured-h100-x1.csv', { name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559, driverVersion: '580.159.04', uuid: 'GPU-1f8a5d4d-f44c-61bc-de12-cc67dcc8466b', utilization: 0 }],
    ['captured-h200-x1.csv', { name: 'NVIDIA H200', memoryMb: 143771, driverVersion: '580.159.04', uuid: 'GPU-c5c53ec0-b792-33a5-c29a-e5c9c11a5c59', utilization: 0 }],
  ])('reads output captured on a real machine: %s', (file, expected) => {
    expect(parseNvidiaSmiQuery(fixture(file))).toEqual([{ index: 0, ...expected }])
  })

  test('reads an 8x H100 SXM box, one entry per GPU in index order', () => {
    const gpus = parseNvidiaSmiQuery(fixture('h100-sxm-8x.csv'))
    expect(gpus).toHaveLength(8)
    expect(gpus[0]).toEqual({
      index: 0,
      name: 'NVIDIA H100 80GB HBM3',
      memoryMb: 81559,
      driverVersion: '550.54.15',
      uuid: 'GPU-5f1c2a9e-7b3d-4e21-9c0a-1d2e3f4a5b6c',
      utilization: 0,
    })
    expect(gpus.map((gpu) => gpu.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(gpus.map((gpu) => gpu.utilization)).toEqual([0, 0, 97, 100, 0, 0, 42, 0])
    expect(new Set(gpus.map((gpu) => gpu.uuid)).size).toBe(8)
  })

  test('reads two GeForce RTX 4090s', () => {
    expect(parseNvidiaSmiQuery(fixture('rtx4090-2x.csv'))).toEqual([
      { index: 0, name: 'NVIDIA GeForce RTX 4090', memoryMb: 24564, driverVersion: '560.35.03', uuid: 'GPU-7d2a6f0e-3c59-b1e8-44aa-0f3e9c2d7b15', utilization: 3 },
      { index: 1, name: 'NVIDIA GeForce RTX 4090', memoryMb: 24564, driverVersion: '560.35.03', uuid: 'GPU-e41b8c27-90d6-5f3a-2b7e-c8d1a4f6e093', utilization: 99 },
    ])
  })

  test.each([
    ['a100-sxm4-80gb.csv', { name: 'NVIDIA A100-SXM4-80GB', memoryMb: 81920, driverVersion: '535.183.01', uuid: 'GPU-4b0e1f7c-8d23-6a59-e1c4-7f02b9d3a68e', utilization: 0 }],
    ['l40s.csv', { name: 'NVIDIA L40S', memoryMb: 46068, driverVersion: '550.90.07', uuid: 'GPU-3e9f2c51-b7a0-6d84-1f3e-92c0d5a7b1e6', utilization: 12 }],
    ['tesla-t4.csv', { name: 'Tesla T4', memoryMb: 15360, driverVersion: '470.223.02', uuid: 'GPU-a5c3e1d9-0f27-8b46-3e9d-c12f5a7b0e84', utilization: 17 }],
  ])('reads %s (CRLF, padding and blank lines included)', (file, expected) => {
    expect(parseNvidiaSmiQuery(fixture(file))).toEqual([{ index: 0, ...expected }])
  })

  test('leaves out what the driver answers [N/A] or [Not Supported]', () => {
    expect(parseNvidiaSmiQuery(fixture('mig-and-unsupported.csv'))).toEqual([
      { index: 0, name: 'NVIDIA A100-SXM4-40GB', memoryMb: 40960, driverVersion: '535.104.05', uuid: 'GPU-f2a81d5c-4e07-39b6-c1d8-a6e30f9b2c74' },
      { index: 1, name: 'NVIDIA GeForce GTX 1080 Ti', memoryMb: 11264 },
    ])
  })

  test('error: the driver is not loaded', () => {
    expect(() => parseNvidiaSmiQuery(fixture('driver-failure.txt'))).toThrowErrorMatchingInlineSnapshot(
      `[GpuDetectionError: nvidia-smi could not list the GPUs ("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver"); fix the driver or pass --gpus to declare the inventory instead, such as --gpus "H100-80GB:2".]`,
    )
  })

  test('error: no devices', () => {
    expect(() => parseNvidiaSmiQuery(fixture('captured-no-devices.txt'))).toThrowErrorMatchingInlineSnapshot(
      `[GpuDetectionError: nvidia-smi could not list the GPUs ("No devices were found"); fix the driver or pass --gpus to declare the inventory instead, such as --gpus "H100-80GB:2".]`,
    )
  })

  test('error: empty output, a foreign line, a GPU without memory', () => {
    expect(() => parseNvidiaSmiQuery('\n \n')).toThrow('nvidia-smi listed no GPUs; pass --gpus to declare the inventory instead, such as --gpus "H100-80GB:2".')
    expect(() => parseNvidiaSmiQuery('name, memory.total [MiB]')).toThrow(
      'nvidia-smi printed a line the agent cannot read ("name, memory.total [MiB]"); pass --gpus to declare the inventory instead, such as --gpus "H100-80GB:2".',
    )
    expect(() => parseNvidiaSmiQuery('NVIDIA H100 80GB HBM3, [N/A], 550.54.15, GPU-1, 0')).toThrow(
      'nvidia-smi gives no memory size for GPU 0 ("NVIDIA H100 80GB HBM3"); pass --gpus to declare the inventory instead, such as --gpus "H100-80GB:2".',
    )
  })
})

test('parseCudaVersion reads the banner, and nothing from other text', () => {
  expect(parseCudaVersion(fixture('banner-h100.txt'))).toBe('12.4')
  expect(parseCudaVersion(fixture('captured-h200-banner.txt'))).toBe('13.0')
  expect(parseCudaVersion(fixture('driver-failure.txt'))).toBeUndefined()
})
