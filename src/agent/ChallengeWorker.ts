import type { Logger } from '../app/logger.ts'
import { leafHash, merkleLevels, merkleProof, merkleRoot } from '../protocol/challengeMerkle.ts'
import type { ChallengeOrder } from '../protocol/agentProtocol.ts'
import type { AgentClient } from './AgentClient.ts'
import { AgentRequestError } from './AgentErrors.ts'
import type { ChallengeProducts, ChallengeRunner } from './challengeRunner.ts'

export interface ChallengeWorkerDeps {
  client: Pick<AgentClient, 'commitChallenge' | 'revealChallenge'>
  /** Undefined when this machine has none (no torch, no --challenge-runner): challenges are left to expire. */
  runner: ChallengeRunner | undefined
  clock: () => number
  logger: Logger
}

/** The agent's side of a compute challenge: run the products, commit the
 *  Merkle roots before the deadline, then reveal the rows the coordinator
 *  opens, one GPU per request. Each challenge runs once per agent run. */
export class ChallengeWorker {
  private readonly taken = new Set<string>()
  private warnedNoRunner = false

  constructor(private readonly deps: ChallengeWorkerDeps) {}

  /** @param devices this machine's free GPU device ids; product g runs on devices[g]. */
  async run(nodeId: string, order: ChallengeOrder, devices: string[], signal: AbortSignal): Promise<void> {
    const { client, runner, clock, logger } = this.deps
    if (this.taken.has(order.id)) return
    this.taken.add(order.id)
    if (!runner) {
      if (!this.warnedNoRunner) logger.error('a compute challenge arrived but this machine has no challenge runner (torch with CUDA, or --challenge-runner); the node stays unverified')
      this.warnedNoRunner = true
      return
    }
    const log = logger.child({ challengeId: order.id, size: order.size, gpus: order.gpus })
    log.info('running a compute challenge')
    const started = clock()
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(Math.max(0, order.commitBy - clock()))])
    let products: ChallengeProducts
    try {
      products = await runner.compute({ seed: order.seed, matrixSeed: order.matrixSeed, size: order.size, devices: devices.slice(0, order.gpus) }, deadline)
    } catch (error) {
      if (signal.aborted) return
      return void log.error({ err: error }, 'the challenge runner failed; the challenge will fail')
    }
    try {
      const gpus = Math.min(order.gpus, devices.length)
      const trees = [...Array(gpus).keys()].map((gpu) => merkleLevels([...Array(order.size).keys()].map((row) => leafHash(products.row(gpu, row)))))
      const committed = await client.commitChallenge(nodeId, order.id, { roots: trees.map(merkleRoot) }, signal)
      log.info({ ms: clock() - started, status: committed.status }, 'challenge committed')
      if (committed.status !== 'committed') return void log.warn({ reason: committed.reason }, 'the challenge failed')
      for (const { gpu, rows } of committed.open ?? []) {
        const revealed = rows.map((row) => ({ row, values: products.row(gpu, row).toString('base64'), proof: merkleProof(trees[gpu]!, row) }))
        const verdict = await client.revealChallenge(nodeId, order.id, { gpu, rows: revealed }, signal)
        if (verdict.status === 'failed') return void log.warn({ reason: verdict.reason }, 'the challenge failed')
        if (verdict.status === 'passed') log.info('the challenge passed: the node is verified')
      }
    } catch (error) {
      if (!(error instanceof AgentRequestError)) throw error
      log.warn({ err: error }, 'the coordinator refused a challenge step')
    } finally {
      products.dispose()
    }
  }
}
