import { randomBytes } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { eq } from 'drizzle-orm'
import { pino } from 'pino'
import { describe, expect, test } from 'vitest'
import { ChallengeWorker } from '../../src/agent/ChallengeWorker.ts'
import type { ChallengeRunner } from '../../src/agent/challengeRunner.ts'
import { commandChallengeRunner, NVIDIA_RUNNER_SCRIPT } from '../../src/agent/commandChallengeRunner.ts'
import { cpuChallengeRunner } from '../../src/agent/cpuChallengeRunner.ts'
import { nodeChallenges, nodes } from '../../src/db/schema/market.ts'
import { ComputeChallenges } from '../../src/market/verification/ComputeChallenges.ts'
import { createMarketHarness } from '../support/marketHarness.ts'

const hasNumpy = spawnSync('python3', ['-c', 'import numpy']).status === 0

/** The worker against the real coordinator logic, the client calls made in-process. */
function setup(runner: ChallengeRunner | undefined) {
  const h = createMarketHarness()
  const challenges = new ComputeChallenges({ db: h.db, params: h.params, listing: h.listing, clock: () => h.clock.now, randomBytes, simulatedAllowed: true })
  const { address, nodeId } = h.provider(1, { gpus: [{ name: 'H100-80GB', memoryMb: 81920, count: 2 }], simulated: true }, { trusted: false })
  const calls: string[] = []
  const client = {
    readyChallenge: async (node: string, id: string) => (calls.push('ready'), challenges.ready(address, node, id)),
    commitChallenge: async (node: string, id: string, body: { roots: string[] }) => (calls.push('commit'), challenges.commit(address, node, id, body)),
    revealChallenge: async (node: string, id: string, body: Parameters<ComputeChallenges['reveal']>[3]) => (calls.push(`reveal ${body.gpu}`), challenges.reveal(address, node, id, body)),
  }
  const worker = new ChallengeWorker({ client, runner, clock: () => h.clock.now, logger: pino({ level: 'silent' }) })
  const order = challenges.afterRegister(nodeId)!
  const node = () => h.db.select().from(nodes).where(eq(nodes.id, nodeId)).get()!
  const status = () => h.db.select().from(nodeChallenges).where(eq(nodeChallenges.id, order.id)).get()!.status
  const run = () => worker.run(nodeId, order, ['0', '1'], new AbortController().signal)
  return { calls, node, status, run }
}

describe('the agent side of a compute challenge', () => {
  test('the CPU runner computes, commits, reveals each GPU, and the node verifies', async () => {
    const s = setup(cpuChallengeRunner)
    await s.run()
    expect(s.calls).toEqual(['ready', 'commit', 'reveal 0', 'reveal 1'])
    expect(s.node()).toMatchObject({ verification: 'verified', verifiedGpus: 2 })
    // The same challenge is not run twice (a heartbeat hands it out again until answered).
    await s.run()
    expect(s.calls).toHaveLength(4)
  })

  test.skipIf(!hasNumpy)('an external runner (the shipped Python runner on numpy) passes through the line interface', async () => {
    const s = setup(commandChallengeRunner({ template: `python3 '${NVIDIA_RUNNER_SCRIPT}' --backend numpy --matrix-seed {matrixSeed} --size {size} --rounds {rounds} --gpus {gpus} --out {out}` }))
    await s.run()
    expect(s.calls).toEqual(['ready', 'commit', 'reveal 0', 'reveal 1'])
    expect(s.node()).toMatchObject({ verification: 'verified', verifiedGpus: 2 })
  })

  test('error: a runner that computes something else fails the challenge at opening', async () => {
    // Speaks the protocol, right sizes, wrong numbers (distinct per GPU, so the roots differ).
    const template = 'echo ready; read seed; for g in 0 1; do head -c 16384 /dev/urandom > {out}/gpu$g.bin; done; echo done; while read c g r; do head -c 256 /dev/urandom > {out}/chain-$g-$r.bin; echo "chain $g $r"; done'
    const s = setup(commandChallengeRunner({ template }))
    await s.run()
    expect(s.calls).toEqual(['ready', 'commit', 'reveal 0'])
    expect(s.node()).toMatchObject({ verification: 'failed', verificationFailure: expect.stringMatching(/^row \d+ of GPU 0 is not the product of the challenge matrices$/) })
  })

  test('error: a runner that never gets ready asks for no seed; one that writes the wrong size commits nothing', async () => {
    for (const [template, calls, status] of [
      ['echo no GPU here >&2; exit 3 # {out}', [], 'issued'],
      ['echo warming up', [], 'issued'],
      ['echo ready; read seed; head -c 100 /dev/zero > {out}/gpu0.bin; echo done; cat > /dev/null', ['ready'], 'ready'],
    ] as const) {
      const s = setup(commandChallengeRunner({ template }))
      await s.run()
      expect(s.calls).toEqual(calls)
      expect(s.status()).toBe(status)
    }
  })

  test('without a runner the challenge is left to expire', async () => {
    const s = setup(undefined)
    await s.run()
    expect(s.calls).toEqual([])
    expect(s.node().verification).toBe('pending')
  })
})
