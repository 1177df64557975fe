import type { Logger } from '../app/logger.ts'
import { leafHash, merkleLevels, merkleProof, merkleRoot } from '../protocol/challengeMerkle.ts'
import type { ChallengeAnswer, ChallengeOrder, RevealChallengeBody } from '../protocol/agentProtocol.ts'
import type { AgentClient } from './AgentClient.ts'
import { AgentRequestError } from './AgentErrors.ts'
import type { ChallengeRunner, PreparedChallenge } from './challengeRunner.ts'

export interface ChallengeWorkerDeps {
  client: Pick<AgentClient, 'readyChallenge' | 'commitChallenge' | 'revealChallenge'>
  /** Undefined when this machine has none (no torch, no --challenge-runner): challenges are left to expire. */
  runner: ChallengeRunner | undefined
  clock: () => number
  logger: Logger
}

/** Revealed rows go in requests of about this much base64 (the coordinator takes 4 MiB). */
const REVEAL_BATCH_CHARS = 2 * 1024 * 1024

/** The agent's side of a compute challenge: start the runner and say ready,
 *  take the seed, run the products and commit the Merkle roots before the
 *  deadline, then reveal the rows the coordinator opens with their chains.
 *  Each challenge runs once per agent run. */
export class ChallengeWorker {
  private readonly taken = new Set<string>()
  private warnedNoRunner = false

  constructor(private readonly deps: ChallengeWorkerDeps) {}

  /** @param devices this machine's free GPU device ids; product g runs on devices[g]. */
  async run(nodeId: string, order: ChallengeOrder, devices: string[], signal: AbortSignal): Promise<void> {
    const { runner, logger } = this.deps
    if (this.taken.has(order.id)) return
    this.taken.add(order.id)
    if (!runner) {
      if (!this.warnedNoRunner) logger.error('a compute challenge arrived but this machine has no challenge runner (torch with CUDA, or --challenge-runner); the node stays unverified')
      this.warnedNoRunner = true
      return
    }
    const log = logger.child({ challengeId: order.id, size: order.size, rounds: order.rounds, gpus: order.gpus })
    log.info('preparing a compute challenge')
    let prepared: PreparedChallenge
    try {
      prepared = await runner.prepare({ matrixSeed: order.matrixSeed, size: order.size, rounds: order.rounds, devices: devices.slice(0, order.gpus) }, this.until(order.readyBy, signal))
    } catch (error) {
      if (signal.aborted) return
      return void log.error({ err: error }, 'the challenge runner did not start; the challenge will fail')
    }
    try {
      await this.prove(nodeId, order, Math.min(order.gpus, devices.length), prepared, signal, log)
    } catch (error) {
      if (signal.aborted) return
      if (!(error instanceof AgentRequestError)) return void log.error({ err: error }, 'the challenge runner failed; the challenge will fail')
      log.warn({ err: error }, 'the coordinator refused a challenge step')
    } finally {
      prepared.dispose()
    }
  }

  private async prove(nodeId: string, order: ChallengeOrder, gpus: number, prepared: PreparedChallenge, signal: AbortSignal, log: Logger): Promise<void> {
    const { client, clock } = this.deps
    const ready = await client.readyChallenge(nodeId, order.id, signal)
    if (ready.status !== 'ready' || !ready.seed || ready.commitBy === undefined) return void log.warn({ reason: ready.reason }, 'the challenge failed')
    const started = clock()
    await prepared.compute(ready.seed, this.until(ready.commitBy, signal))
    const trees = [...Array(gpus).keys()].map((gpu) => merkleLevels([...Array(order.size).keys()].map((row) => leafHash(prepared.row(gpu, row)))))
    const committed = await client.commitChallenge(nodeId, order.id, { roots: trees.map(merkleRoot) }, signal)
    log.info({ ms: clock() - started, status: committed.status }, 'challenge committed')
    if (committed.status !== 'committed') return void log.warn({ reason: committed.reason }, 'the challenge failed')
    for (const { gpu, rows } of committed.open ?? []) {
      let batch: RevealChallengeBody['rows'] = []
      let chars = 0
      for (const row of rows) {
        const chain = (await prepared.chain(gpu, row, signal)).map((bytes) => bytes.toString('base64'))
        const values = prepared.row(gpu, row).toString('base64')
        const size = values.length * (chain.length + 1)
        if (batch.length > 0 && chars + size > REVEAL_BATCH_CHARS) {
          if (this.finished(await client.revealChallenge(nodeId, order.id, { gpu, rows: batch }, signal), log)) return
          batch = []
          chars = 0
        }
        batch.push({ row, values, proof: merkleProof(trees[gpu]!, row), chain })
        chars += size
      }
      if (this.finished(await client.revealChallenge(nodeId, order.id, { gpu, rows: batch }, signal), log)) return
    }
  }

  /** Logs a verdict; true when the challenge is over. */
  private finished(verdict: ChallengeAnswer, log: Logger): boolean {
    if (verdict.status === 'failed') log.warn({ reason: verdict.reason }, 'the challenge failed')
    if (verdict.status === 'passed') log.info('the challenge passed: the node is verified')
    return verdict.status !== 'committed'
  }

  private until(deadline: number, signal: AbortSignal): AbortSignal {
    return AbortSignal.any([signal, AbortSignal.timeout(Math.max(0, deadline - this.deps.clock()))])
  }
}
