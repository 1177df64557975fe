import { spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChallengeRunner, PreparedChallenge } from './challengeRunner.ts'
import { renderCommandTemplate } from './renderCommandTemplate.ts'
import { RunnerProcess } from './RunnerProcess.ts'

/** The placeholders a --challenge-runner template may use. */
export const CHALLENGE_PLACEHOLDERS = ['matrixSeed', 'size', 'rounds', 'gpus', 'out'] as const

export const NVIDIA_RUNNER_SCRIPT = fileURLToPath(new URL('../../scripts/challenge-runner/cuda_matmul.py', import.meta.url))
/** The shipped NVIDIA runner: the host's python3 with torch and CUDA. */
export const NVIDIA_RUNNER_TEMPLATE = `python3 '${NVIDIA_RUNNER_SCRIPT.replaceAll("'", `'\\''`)}' --matrix-seed {matrixSeed} --size {size} --rounds {rounds} --gpus {gpus} --out {out}`

/** True when python3 can import torch and sees a CUDA device: the NVIDIA runner will work. */
export function torchCudaAvailable(): boolean {
  const probe = spawnSync('python3', ['-c', 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'], { stdio: 'ignore', timeout: 60_000 })
  return probe.status === 0
}

/** Runs an external command per challenge, started with `sh -c` on the
 *  template: {matrixSeed} (B's seed, 64 hex digits), {size}, {rounds}, {gpus}
 *  (comma-separated device ids, one product chain per id in that order) and
 *  {out} (an empty directory). It speaks in lines (see docs/provider-trust.md):
 *    it prints `ready` once B is on every GPU;
 *    on `seed <64 hex digits>` it computes and writes OUT/gpu<g>.bin (the last
 *      round, raw int32 little-endian, row-major, size×size), then prints `done`;
 *    on `chain <g> <row>` it writes OUT/chain-<g>-<row>.bin (that row of the
 *      earlier rounds, oldest first), then prints the same line back;
 *    at the end of its input it exits. */
export function commandChallengeRunner({ template, workDir = tmpdir() }: { template: string; workDir?: string }): ChallengeRunner {
  return {
    async prepare({ matrixSeed, size, rounds, devices }, signal): Promise<PreparedChallenge> {
      const out = mkdtempSync(join(workDir, 'gridshare-challenge-'))
      const runner = new RunnerProcess(renderCommandTemplate(template, { matrixSeed, size: String(size), rounds: String(rounds), gpus: devices.join(','), out }))
      const fds: number[] = []
      const dispose = () => {
        for (const fd of fds.splice(0)) closeSync(fd)
        runner.stop()
        rmSync(out, { recursive: true, force: true })
      }
      const rowBytes = size * 4
      try {
        await runner.expect('ready', signal)
      } catch (error) {
        dispose()
        throw error
      }
      return {
        async compute(seed, signal) {
          runner.send(`seed ${seed}`)
          await runner.expect('done', signal)
          for (let gpu = 0; gpu < devices.length; gpu++) {
            const file = join(out, `gpu${gpu}.bin`)
            const bytes = statSync(file, { throwIfNoEntry: false })?.size
            if (bytes !== size * rowBytes) throw new Error(`the challenge runner wrote ${bytes ?? 'no'} bytes to gpu${gpu}.bin; expected ${size * rowBytes}`)
            fds.push(openSync(file, 'r'))
          }
        },
        row(gpu, row) {
          const buffer = Buffer.alloc(rowBytes)
          readSync(fds[gpu]!, buffer, 0, rowBytes, row * rowBytes)
          return buffer
        },
        async chain(gpu, row, signal) {
          if (rounds === 1) return []
          runner.send(`chain ${gpu} ${row}`)
          await runner.expect(`chain ${gpu} ${row}`, signal)
          const bytes = readFileSync(join(out, `chain-${gpu}-${row}.bin`))
          if (bytes.length !== (rounds - 1) * rowBytes) throw new Error(`the challenge runner wrote ${bytes.length} bytes to chain-${gpu}-${row}.bin; expected ${(rounds - 1) * rowBytes}`)
          return [...Array(rounds - 1).keys()].map((round) => bytes.subarray(round * rowBytes, (round + 1) * rowBytes))
        },
        dispose,
      }
    },
  }
}
