import { GpuDetectionError } from './AgentErrors.ts'
import type { AgentGpu } from './GpuInventory.ts'

/** The query the agent runs; the parser below expects exactly these columns. */
export const NVIDIA_SMI_QUERY_ARGS = [
  '--query-gpu=name,memory.total,driver_version,uuid,utilization.gpu',
  '--format=csv,noheader,nounits',
] as const

export interface NvidiaSmiGpu extends AgentGpu {
  /** Percent; absent where the driver answers [N/A] or [Not Supported]. */
  utilization?: number
}

const INSTEAD = 'pass --gpus to declare the inventory instead, such as --gpus "H100-80GB:2"'

/** Reads `nvidia-smi --query-gpu=… --format=csv,noheader,nounits` output:
 *  one line per GPU, in device-index order.
 *  @throws GpuDetectionError quoting what nvidia-smi said when it is not a GPU list */
export function parseNvidiaSmiQuery(output: string): NvidiaSmiGpu[] {
  const lines = output.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '')
  const rows = lines.map((line) => line.split(',').map((field) => field.trim()))
  // A driver failure is printed instead of the list, as prose without the list's commas.
  const prose = lines.find((_line, i) => rows[i].length < 5)
  if (prose !== undefined && /failed|No devices were found|Unable to determine|Error/i.test(prose))
    throw new GpuDetectionError(`nvidia-smi could not list the GPUs ("${firstSentence(prose)}"); fix the driver or ${INSTEAD}.`)
  if (prose !== undefined) throw new GpuDetectionError(`nvidia-smi printed a line the agent cannot read ("${prose.slice(0, 120)}"); ${INSTEAD}.`)
  if (lines.length === 0) throw new GpuDetectionError(`nvidia-smi listed no GPUs; ${INSTEAD}.`)
  return rows.map((fields, index) => {
    // Only the name could hold a comma, so the last four columns are taken from the end.
    const [memory, driver, uuid, utilization] = fields.slice(-4).map(known)
    const name = fields.slice(0, -4).join(', ')
    if (!name || !memory || !/^\d+$/.test(memory) || Number(memory) === 0)
      throw new GpuDetectionError(`nvidia-smi gives no memory size for GPU ${index} ("${name}"); ${INSTEAD}.`)
    const percent = utilization !== undefined && /^\d+(\.\d+)?$/.test(utilization) ? Math.min(100, Number(utilization)) : undefined
    return {
      index,
      name,
      memoryMb: Number(memory),
      ...(driver ? { driverVersion: driver } : {}),
      ...(uuid ? { uuid } : {}),
      ...(percent !== undefined ? { utilization: percent } : {}),
    }
  })
}

/** The CUDA version from plain `nvidia-smi`'s banner ("CUDA Version: 12.4"). */
export function parseCudaVersion(output: string): string | undefined {
  return /CUDA Version:\s*(\d+(?:\.\d+)*)/.exec(output)?.[1]
}

/** nvidia-smi spells an unknown value [N/A], [Not Supported], [Unknown Error]… */
function known(value: string): string | undefined {
  return value === '' || /^\[.*\]$/.test(value) || value === 'N/A' ? undefined : value
}

function firstSentence(line: string): string {
  const end = line.indexOf('. ')
  return (end === -1 ? line.replace(/\.$/, '') : line.slice(0, end)).slice(0, 200)
}
