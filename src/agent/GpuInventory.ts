import type { RegisterNodeBody } from '../protocol/agentProtocol.ts'

/** One physical (or declared) GPU of this machine. */
export interface AgentGpu {
  /** Device index, as nvidia-smi and CUDA_VISIBLE_DEVICES count. */
  index: number
  name: string
  memoryMb: number
  uuid?: string
  driverVersion?: string
}

export interface GpuInventory {
  /** One entry per GPU, in device-index order. */
  gpus: AgentGpu[]
  cudaVersion?: string
  /** True for a --gpus declaration: nothing on the machine backs it. */
  simulated: boolean
  /** Utilisation in percent, one per GPU; [] when it cannot be measured. */
  readUtilization(): Promise<number[]>
}

/** How a workload is told which GPUs are its own: the uuid where the driver
 *  gave one (stable across reboots and accepted by docker --gpus and
 *  CUDA_VISIBLE_DEVICES), else the device index. */
export function gpuDeviceId(gpu: AgentGpu): string {
  return gpu.uuid ?? String(gpu.index)
}

/** One report per GPU with count 1, never grouped: the uuids let the
 *  coordinator notice one physical GPU registered under two nodes, and the
 *  per-GPU utilisation in heartbeats lines up with this list. */
export function gpuReports(inventory: GpuInventory): RegisterNodeBody['gpus'] {
  return inventory.gpus.map((gpu) => ({
    name: gpu.name,
    memoryMb: gpu.memoryMb,
    count: 1,
    ...(gpu.uuid ? { uuid: gpu.uuid } : {}),
    ...(gpu.driverVersion ? { driverVersion: gpu.driverVersion } : {}),
    ...(inventory.cudaVersion ? { cudaVersion: inventory.cudaVersion } : {}),
  }))
}
