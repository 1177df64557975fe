import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { gpuReports } from '../../src/agent/GpuInventory.ts'
import { nvidiaInventory, type RunProgram } from '../../src/agent/nvidiaInventory.ts'

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')

/** Answers like execFile would for an installed nvidia-smi printing these outputs. */
const fakeSmi =
  (query: string | Error, banner: string | Error = fixture('banner-h100.txt')): RunProgram =>
  async (_file, args) => {
    const out = args.length === 0 ? banner : query
    if (out instanceof Error) throw out
    return { stdout: out }
  }
const failure = (props: Record<string, unknown>) => Object.assign(new Error('Command failed: nvidia-smi'), props)

test('reports one GPU per device with its uuid, driver and the banner CUDA version', async () => {
  const inventory = await nvidiaInventory({ run: fakeSmi(fixture('rtx4090-2x.csv')) })
  expect(gpuReports(inventory)).toEqual([
    { name: 'NVIDIA GeForce RTX 4090', memoryMb: 24564, count: 1, uuid: 'GPU-7d2a6f0e-3c59-b1e8-44aa-0f3e9c2d7b15', driverVersion: '560.35.03', cudaVersion: '12.4' },
    { name: 'NVIDIA GeForce RTX 4090', memoryMb: 24564, count: 1, uuid: 'GPU-e41b8c27-90d6-5f3a-2b7e-c8d1a4f6e093', driverVersion: '560.35.03', cudaVersion: '12.4' },
  ])
  expect(await inventory.readUtilization()).toEqual([3, 99])
})

test('omits the CUDA version when the banner fails, and utilisation when any GPU lacks it', async () => {
  const inventory = await nvidiaInventory({ run: fakeSmi(fixture('mig-and-unsupported.csv'), failure({ code: 9 })) })
  expect(inventory.cudaVersion).toBeUndefined()
  expect(await inventory.readUtilization()).toEqual([])
})

test('error: nvidia-smi is not installed', async () => {
  await expect(nvidiaInventory({ run: fakeSmi(failure({ code: 'ENOENT' })) })).rejects.toThrow(
    'nvidia-smi was not found on this machine; pass --gpus to declare the inventory instead, such as --gpus "H100-80GB:2".',
  )
})

test('error: nvidia-smi exits non-zero because the driver is not loaded', async () => {
  await expect(nvidiaInventory({ run: fakeSmi(failure({ code: 9, stdout: fixture('driver-failure.txt'), stderr: '' })) })).rejects.toThrow(
    `nvidia-smi could not list the GPUs ("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver"); fix the driver or pass --gpus to declare the inventory instead, such as --gpus "H100-80GB:2".`,
  )
})
