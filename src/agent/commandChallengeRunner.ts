import { spawn, spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChallengeProducts, ChallengeRunner } from './challengeRunner.ts'
import { renderCommandTemplate } from './renderCommandTemplate.ts'

/** The placeholders a --challenge-runner template may use. */
export const CHALLENGE_PLACEHOLDERS = ['seed', 'matrixSeed', 'size', 'gpus', 'out'] as const

export const NVIDIA_RUNNER_SCRIPT = fileURLToPath(new URL('../../scripts/challenge-runner/cuda_matmul.py', import.meta.url))
/** The shipped NVIDIA runner: the host's python3 with torch and CUDA. */
export const NVIDIA_RUNNER_TEMPLATE = `python3 '${NVIDIA_RUNNER_SCRIPT.replaceAll("'", `'\\''`)}' --seed {seed} --matrix-seed {matrixSeed} --size {size} --gpus {gpus} --out {out}`

/** True when python3 can import torch and sees a CUDA device: the NVIDIA runner will work. */
export function torchCudaAvailable(): boolean {
  const probe = spawnSync('python3', ['-c', 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'], { stdio: 'ignore', timeout: 60_000 })
  return probe.status === 0
}

/** Runs an external command per challenge: `sh -c` on the template with
 *  {seed} and {matrixSeed} (64 hex digits each: A's and B's), {size}, {gpus} (comma-separated device ids, one
 *  product per id in that order) and {out} (an empty directory). It must
 *  write OUT/gpu<g>.bin for g = 0.. — the product as raw int32 little-endian,
 *  row-major, size×size — and exit 0. The agent hashes and reveals the rows. */
export function commandChallengeRunner({ template, workDir = tmpdir() }: { template: string; workDir?: string }): ChallengeRunner {
  return {
    async compute({ seed, matrixSeed, size, devices }, signal): Promise<ChallengeProducts> {
      const out = mkdtempSync(join(workDir, 'gridshare-challenge-'))
      const fds: number[] = []
      const dispose = () => {
        for (const fd of fds.splice(0)) closeSync(fd)
        rmSync(out, { recursive: true, force: true })
      }
      try {
        await runCommand(renderCommandTemplate(template, { seed, matrixSeed, size: String(size), gpus: devices.join(','), out }), signal)
        for (let gpu = 0; gpu < devices.length; gpu++) {
          const file = join(out, `gpu${gpu}.bin`)
          const bytes = statSync(file, { throwIfNoEntry: false })?.size
          if (bytes !== size * size * 4) throw new Error(`the challenge runner wrote ${bytes ?? 'no'} bytes to gpu${gpu}.bin; expected ${size * size * 4}`)
          fds.push(openSync(file, 'r'))
        }
      } catch (error) {
        dispose()
        throw error
      }
      return {
        row(gpu, row) {
          const buffer = Buffer.alloc(size * 4)
          readSync(fds[gpu]!, buffer, 0, buffer.length, row * size * 4)
          return buffer
        },
        dispose,
      }
    },
  }
}

function runCommand(command: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    // Its own process group: an abort ends the runner and whatever it started.
    const child = spawn('sh', ['-c', command], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] })
    let tail = ''
    child.stderr.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-500)))
    const onAbort = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
    signal.addEventListener('abort', onAbort, { once: true })
    child.once('error', (error) => reject(error))
    child.once('exit', (code, killed) => {
      signal.removeEventListener('abort', onAbort)
      if (signal.aborted) reject(signal.reason)
      else if (code === 0) resolve()
      else reject(new Error(`the challenge runner exited with ${code ?? killed}: ${tail.trim().split('\n').at(-1) ?? ''}`))
    })
  })
}
