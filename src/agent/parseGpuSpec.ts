import { AgentUsageError } from './AgentErrors.ts'
import type { AgentGpu } from './GpuInventory.ts'

const MAX_GPUS = 64
const EXAMPLE = 'such as "H100-80GB:2,RTX4090-24GB:4"'

/** Reads a declared inventory, `model-<N>GB[:count],…`, one AgentGpu per GPU.
 *  The memory comes from the name's size suffix, so a declaration cannot
 *  claim a memory size its name does not show.
 *  @throws AgentUsageError naming the entry that is wrong */
export function parseGpuSpec(spec: string): AgentGpu[] {
  if (spec.trim() === '') throw new AgentUsageError(`--gpus is empty; declare GPUs as model-memory:count, ${EXAMPLE}.`)
  const gpus: AgentGpu[] = []
  for (const rawEntry of spec.split(',')) {
    const entry = rawEntry.trim()
    if (entry === '') throw new AgentUsageError(`--gpus has an empty entry; declare GPUs as model-memory:count, ${EXAMPLE}.`)
    const [name, countText, ...rest] = entry.split(':')
    const size = /^[A-Za-z0-9][\w.]*(?:-[\w.]+)*-(\d+)GB$/i.exec(name)
    if (!size) throw new AgentUsageError(`"${name}" in --gpus does not end with its memory size; write it as model-memory, such as H100-80GB.`)
    const memoryGb = Number(size[1])
    if (memoryGb < 1 || memoryGb > 976) throw new AgentUsageError(`"${name}" in --gpus declares ${memoryGb} GB; a GPU's memory must be from 1 to 976 GB.`)
    const count = countText === undefined ? 1 : /^\d{1,2}$/.test(countText) ? Number(countText) : NaN
    if (rest.length > 0 || !(count >= 1 && count <= MAX_GPUS))
      throw new AgentUsageError(`"${entry}" in --gpus has a bad count; use a whole number from 1 to ${MAX_GPUS}, such as ${name}:2.`)
    for (let i = 0; i < count; i++) gpus.push({ index: gpus.length, name, memoryMb: memoryGb * 1024 })
  }
  if (gpus.length > MAX_GPUS) throw new AgentUsageError(`--gpus declares ${gpus.length} GPUs but one node holds at most ${MAX_GPUS}.`)
  return gpus
}
