import { execFile } from 'node:child_process'
import { GpuDetectionError } from './AgentErrors.ts'
import type { GpuInventory } from './GpuInventory.ts'
import { NVIDIA_SMI_QUERY_ARGS, parseCudaVersion, parseNvidiaSmiQuery, type NvidiaSmiGpu } from './parseNvidiaSmi.ts'

/** Runs a program and answers its output; rejects like execFile (error.code
 *  'ENOENT' when the program is missing, error.stdout on a non-zero exit). */
export type RunProgram = (file: string, args: readonly string[]) => Promise<{ stdout: string }>

export const runProgram: RunProgram = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 20_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }))
      else resolve({ stdout })
    })
  })

const INSTEAD = 'pass --gpus to declare the inventory instead, such as --gpus "H100-80GB:2"'

/** The machine's NVIDIA GPUs as nvidia-smi lists them.
 *  @throws GpuDetectionError when nvidia-smi is missing, fails or prints no GPU */
export async function nvidiaInventory({ run = runProgram }: { run?: RunProgram } = {}): Promise<GpuInventory> {
  const gpus = await queryGpus(run)
  // The banner is the cheapest place the CUDA version is printed; it is optional in reports.
  const cudaVersion = await run('nvidia-smi', []).then(
    ({ stdout }) => parseCudaVersion(stdout),
    () => undefined,
  )
  return {
    gpus: gpus.map(({ utilization: _utilization, ...gpu }) => gpu),
    ...(cudaVersion ? { cudaVersion } : {}),
    simulated: false,
    async readUtilization() {
      try {
        const now = await queryGpus(run)
        // The protocol's list is positional, so a partial one would misattribute load.
        return now.length === gpus.length && now.every((gpu) => gpu.utilization !== undefined) ? now.map((gpu) => gpu.utilization as number) : []
      } catch {
        return []
      }
    },
  }
}

async function queryGpus(run: RunProgram): Promise<NvidiaSmiGpu[]> {
  let stdout: string
  try {
    ;({ stdout } = await run('nvidia-smi', NVIDIA_SMI_QUERY_ARGS))
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string; killed?: boolean }
    if (failure.code === 'ENOENT') throw new GpuDetectionError(`nvidia-smi was not found on this machine; ${INSTEAD}.`)
    if (failure.killed) throw new GpuDetectionError(`nvidia-smi did not answer within 20 s; ${INSTEAD}.`)
    const said = `${failure.stdout ?? ''}\n${failure.stderr ?? ''}`
    // nvidia-smi prints its reason on stdout and exits non-zero; the parser words it.
    parseNvidiaSmiQuery(said.trim() === '' ? 'nvidia-smi failed without saying why' : said)
    throw new GpuDetectionError(`nvidia-smi exited with an error; ${INSTEAD}.`)
  }
  return parseNvidiaSmiQuery(stdout)
}
