import { z } from 'zod'
import type { AgentRental, ChallengeAnswer, ChallengeOrder, HeartbeatResponse, RegisterNodeResponse } from '../protocol/agentProtocol.ts'

/** What the agent accepts from the coordinator. Ids go into URL paths and
 *  file names, so they are held to the short readable form the coordinator mints. */
const id = z.string().regex(/^[\w.-]{1,64}$/, 'expected a short id')

export const agentRentalSchema = z.object({
  id,
  gpuCount: z.number().int().min(1).max(64),
  endsAt: z.number().int().nonnegative(),
  accessSecret: z.string().min(1).max(2000),
  // The launcher escapes both; still, only the shapes the coordinator checked pass.
  image: z.string().regex(/^[\w./:@-]{1,255}$/, 'expected an image reference').optional(),
  sshPublicKeys: z.array(z.string().regex(/^[^\p{Cc}]{1,3200}$/u, 'expected one key line')).max(50).optional(),
}) satisfies z.ZodType<AgentRental>

export const challengeOrderSchema = z.object({
  id,
  matrixSeed: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits'),
  size: z.number().int().min(2).max(8192).refine((n) => (n & (n - 1)) === 0, 'expected a power of two'),
  rounds: z.number().int().min(1).max(32),
  gpus: z.number().int().min(1).max(64),
  readyBy: z.number().int().nonnegative(),
}) satisfies z.ZodType<ChallengeOrder>

export const challengeAnswerSchema = z.object({
  status: z.enum(['ready', 'committed', 'passed', 'failed']),
  seed: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits').optional(),
  commitBy: z.number().int().optional(),
  open: z.array(z.object({ gpu: z.number().int().min(0).max(63), rows: z.array(z.number().int().nonnegative()).max(16) })).max(64).optional(),
  revealBy: z.number().int().optional(),
  reason: z.string().max(500).optional(),
}) satisfies z.ZodType<ChallengeAnswer>

export const registerNodeResponseSchema = z.object({
  nodeId: id,
  heartbeatIntervalMs: z.number().int().positive(),
  challenge: challengeOrderSchema.optional(),
}) satisfies z.ZodType<RegisterNodeResponse>

export const heartbeatResponseSchema = z.object({
  nodeId: id,
  start: z.array(agentRentalSchema),
  active: z.array(agentRentalSchema),
  stop: z.array(id),
  heartbeatIntervalMs: z.number().int().positive(),
  challenge: challengeOrderSchema.optional(),
}) satisfies z.ZodType<HeartbeatResponse>

export const agentSessionSchema = z.object({
  sessionId: z.string().min(8).max(64),
  secret: z.string().regex(/^[0-9a-f]{64}$/),
  expiresAt: z.number().int().positive(),
})
