import { createHash, createHmac } from 'node:crypto'
import { z } from 'zod'
import { AppError } from '../errors/AppError.ts'

/** The provider agent API, shared by the coordinator and the agent.
 *  Every request is signed by the provider's wallet (EIP-191 personal_sign)
 *  over signedPayload(); the coordinator refuses stale timestamps and replays.
 *  The signed path is the route path alone (no query): a proxy that serves
 *  the coordinator under a prefix must strip it. */
export const AGENT_HEADERS = {
  address: 'x-gridshare-address',
  timestamp: 'x-gridshare-timestamp',
  signature: 'x-gridshare-signature',
  /** Session mode: the session id and an HMAC of the same payload with its secret. */
  session: 'x-gridshare-session',
  mac: 'x-gridshare-mac',
} as const

/** A session is issued against one wallet signature and lasts this long; its
 *  requests are authenticated by HMAC (microseconds) instead of an ECDSA
 *  recovery (a millisecond or more), which is what lets a coordinator take
 *  thousands of heartbeats a second. */
export const AGENT_SESSION_TTL_MS = 24 * 3600_000

export function sessionMac(secret: string, payload: string): string {
  return createHmac('sha256', Buffer.from(secret, 'hex')).update(payload).digest('hex')
}

export interface AgentSessionResponse {
  sessionId: string
  /** 32 random bytes, hex; sent once. */
  secret: string
  expiresAt: number
}

/** How far a request's timestamp may be from the coordinator's clock. */
export const AGENT_CLOCK_SKEW_MS = 60_000

export function signedPayload({ method, path, timestamp, body }: { method: string; path: string; timestamp: string; body: string }): string {
  const bodyHash = createHash('sha256').update(body).digest('hex')
  return `gridshare-agent-v1\n${method.toUpperCase()}\n${path}\n${timestamp}\n${bodyHash}`
}

/** Largest GPUs one node may declare: the biggest single hosts carry 16. */
export const MAX_GPUS_PER_NODE = 16
/** Largest price per GPU-hour, in whole tokens; with at most 6 decimals every
 *  accepted price fits the 40-digit sort key with room to spare. */
export const MAX_PRICE_PER_GPU_HOUR = 1_000_000

const price = z
  .string()
  .regex(/^\d{1,7}(\.\d{1,6})?$/, 'expected a price in tokens such as 2.5, with at most 6 decimals')
  .refine((v) => /[1-9]/.test(v), 'expected a price above 0')
  .refine((v) => Number(v) <= MAX_PRICE_PER_GPU_HOUR, `expected at most ${MAX_PRICE_PER_GPU_HOUR} per GPU-hour`)

export const gpuReport = z.object({
  /** As the driver names it (e.g. "NVIDIA H100 80GB HBM3") or canonical ("H100-80GB"). */
  name: z.string().min(1).max(100),
  memoryMb: z.number().int().positive().max(1_000_000),
  count: z.number().int('expected a whole number of GPUs').min(1, 'expected at least 1 GPU').max(MAX_GPUS_PER_NODE, `expected at most ${MAX_GPUS_PER_NODE} GPUs on one node`).default(1),
  uuid: z.string().max(100).optional(),
  driverVersion: z.string().max(50).optional(),
  cudaVersion: z.string().max(50).optional(),
})

/** Up to a petabyte: a bound, so a lying agent cannot store an absurd number. */
const freeDiskMb = z.number().int('expected whole megabytes').min(0, 'expected 0 or more megabytes').max(1_000_000_000, 'expected at most 1000000000 megabytes (a petabyte)')

export const registerNodeBody = z.object({
  /** Stable id the agent chooses for this machine (kept in its state file). */
  nodeKey: z.string().regex(/^[\w.-]{1,64}$/, 'expected 1-64 letters, digits, dots, dashes or underscores'),
  gpus: z
    .array(gpuReport)
    .min(1)
    .max(MAX_GPUS_PER_NODE)
    .refine((gpus) => gpus.reduce((sum, g) => sum + g.count, 0) <= MAX_GPUS_PER_NODE, `expected at most ${MAX_GPUS_PER_NODE} GPUs on one node`),
  /** Price per GPU-hour in whole tokens, e.g. "2.5". */
  pricePerGpuHour: price,
  region: z.string().regex(/^[a-z0-9-]{2,32}$/, 'expected a region such as eu-west'),
  energy: z
    .object({
      renewable: z.boolean().default(false),
      /** UTC hours [start, end) when the provider's grid is off-peak. */
      offPeak: z.object({ startHour: z.number().int().min(0).max(23), endHour: z.number().int().min(0).max(24) }).optional(),
    })
    .default({ renewable: false }),
  /** True when the inventory was declared (--gpus), not read from the driver. */
  simulated: z.boolean().default(false),
  /** Free disk where the agent keeps its state and workload logs, in MB; older agents send none. */
  freeDiskMb: freeDiskMb.optional(),
})

export const heartbeatBody = z.object({
  /** GPU utilisation in percent, one per GPU. */
  utilization: z.array(z.number().min(0).max(100)).max(64).default([]),
  /** Rentals the agent is running now (so the coordinator can spot drift). */
  running: z.array(z.string().max(32)).max(64).default([]),
  /** As at registration; absent keeps the last value. */
  freeDiskMb: freeDiskMb.optional(),
})

export const runningBody = z.object({
  /** Connection details for the renter (host, port, user, secret…): encrypted at rest. */
  connection: z.record(z.string().max(64), z.string().max(2000)).refine((c) => Object.keys(c).length <= 20, 'at most 20 fields'),
})

export const finishedBody = z.object({
  outcome: z.enum(['completed', 'failed']),
  reason: z.string().max(500).optional(),
})

export const attestationBody = z.object({
  /** e.g. "solar", "wind", "hydro", "grid-green-tariff". */
  source: z.string().regex(/^[\w -]{2,40}$/, 'expected a source such as solar'),
  /** A certificate, contract or meter id. */
  reference: z.string().min(1).max(200),
  /** keccak256 or sha256 of the evidence document, 0x-hex. */
  evidenceHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected 0x followed by 64 hex digits'),
  /** ISO 8601 end of validity. */
  validUntil: z.string().datetime(),
  /** The provider's EIP-191 signature of attestationMessage(). */
  signature: z.string().regex(/^0x[0-9a-fA-F]+$/),
  /** Optional counter-signature of the same message by the DAO's attester. */
  attesterSignature: z.string().regex(/^0x[0-9a-fA-F]+$/).optional(),
})

export type AttestationBody = z.input<typeof attestationBody>

/** The text a provider (and the attester) sign for a renewable-energy claim. */
export function attestationMessage(p: { provider: string; source: string; reference: string; evidenceHash: string; validUntil: string }): string {
  return `Gridshare renewable energy attestation\nprovider: ${p.provider}\nsource: ${p.source}\nreference: ${p.reference}\nevidence: ${p.evidenceHash.toLowerCase()}\nvalid until: ${p.validUntil}`
}

export type RegisterNodeBody = z.input<typeof registerNodeBody>
export type HeartbeatBody = z.input<typeof heartbeatBody>

/** What a heartbeat answers: the work the agent should do now. */
export interface HeartbeatResponse {
  nodeId: string
  /** Rentals to start: claim each, launch, then report running. */
  start: AgentRental[]
  /** Rentals the coordinator holds as provisioning or running on this node:
   *  an agent that restarted relaunches any of these it is not running. */
  active: AgentRental[]
  /** Rentals to stop now (renter stopped, expired, re-placed). */
  stop: string[]
  heartbeatIntervalMs: number
  /** A compute challenge to run now (see ChallengeOrder); absent when none is due. */
  challenge?: ChallengeOrder
}

export interface AgentRental {
  id: string
  gpuCount: number
  /** Unix ms when the workload must end. */
  endsAt: number
  /** Generated per rental; the workload uses it as its access secret. */
  accessSecret: string
  /** The container image the renter chose from the governed catalogue (launcher {image}); absent from older coordinators. */
  image?: string
  /** The renter's SSH public keys as authorized_keys lines (launcher {sshPublicKeys}), read when the rental is handed out. */
  sshPublicKeys?: string[]
}

export interface RegisterNodeResponse {
  nodeId: string
  heartbeatIntervalMs: number
  /** A node's first challenge comes with its registration. */
  challenge?: ChallengeOrder
}

/** A compute challenge (see challengeMatrices.ts for the math), in two steps
 *  so that start-up is never inside the timed window:
 *  1. the order names B (matrixSeed), n, the rounds and the GPUs, but not A's
 *     seed: the runner starts, expands B on every GPU and says ready (before readyBy);
 *  2. the answer to "ready" is the seed and commitBy: the node computes the
 *     chained products C_g on each GPU and commits their Merkle roots before
 *     commitBy, which allows only the claimed model's time for the work (with
 *     the margin) plus a fixed allowance for hashing and the round trip;
 *  3. the coordinator then names rows to open; the agent reveals each with its
 *     proof and the row's earlier rounds (its chain), one or more per request. */
export interface ChallengeOrder {
  id: string
  /** The hour's seed, hex: expands into B (see sharedMatrixSeed). */
  matrixSeed: string
  /** Matrix size n (a power of two). */
  size: number
  /** Chained products per GPU (1 … MAX_CHALLENGE_ROUNDS). */
  rounds: number
  /** How many GPUs to run it on: the node's free ones. */
  gpus: number
  /** Unix ms: a node not ready by then fails. */
  readyBy: number
}

const hash32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected 0x followed by 64 hex digits')

export const commitChallengeBody = z.object({
  /** One Merkle root per GPU, in GPU order. */
  roots: z.array(hash32).min(1).max(64),
})

const base64 = (max: number) => z.string().max(max).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64')
/** One product row at the largest size, as int32 in base64. */
const ROW_BASE64_MAX = 44_000

export const revealChallengeBody = z.object({
  gpu: z.number().int().min(0).max(63),
  rows: z
    .array(
      z.object({
        row: z.number().int().min(0).max(8191),
        /** The committed (last) round's row as int32 little-endian entries, base64. */
        values: base64(ROW_BASE64_MAX),
        /** Sibling hashes from the leaf up. */
        proof: z.array(hash32).max(13),
        /** The same row of the earlier rounds C_0 … C_{rounds-2}, oldest first, each like values. */
        chain: z.array(base64(ROW_BASE64_MAX)).max(31).default([]),
      }),
    )
    .min(1)
    .max(16),
})

export type CommitChallengeBody = z.input<typeof commitChallengeBody>
export type RevealChallengeBody = z.input<typeof revealChallengeBody>

/** The coordinator's answer to ready, a commitment or a reveal. */
export interface ChallengeAnswer {
  status: 'ready' | 'committed' | 'passed' | 'failed'
  /** After ready: 32 random bytes, hex (no 0x), that expand into A_g. */
  seed?: string
  /** After ready: Unix ms by which the commitment must arrive. */
  commitBy?: number
  /** After a commitment: the rows to reveal, per GPU. */
  open?: { gpu: number; rows: number[] }[]
  /** Unix ms by which every opened row must be revealed. */
  revealBy?: number
  /** Why the challenge failed, one sentence. */
  reason?: string
}

/** Errors are JSON: { error: one sentence, code }. 401 bad/stale/replayed signature, 403 not your node. */
export interface AgentErrorBody {
  error: string
  code: string
}

/** Routes (relative to the coordinator URL). */
export const AGENT_ROUTES = {
  sessions: '/api/v1/agent/sessions',
  registerNode: '/api/v1/agent/nodes',
  heartbeat: (nodeId: string) => `/api/v1/agent/nodes/${nodeId}/heartbeat`,
  claim: (rentalId: string) => `/api/v1/agent/rentals/${rentalId}/claim`,
  running: (rentalId: string) => `/api/v1/agent/rentals/${rentalId}/running`,
  finished: (rentalId: string) => `/api/v1/agent/rentals/${rentalId}/finished`,
  attestations: '/api/v1/agent/attestations',
  revokeAttestation: (id: number) => `/api/v1/agent/attestations/${id}/revoke`,
  readyChallenge: (nodeId: string, challengeId: string) => `/api/v1/agent/nodes/${nodeId}/challenges/${challengeId}/ready`,
  commitChallenge: (nodeId: string, challengeId: string) => `/api/v1/agent/nodes/${nodeId}/challenges/${challengeId}/commit`,
  revealChallenge: (nodeId: string, challengeId: string) => `/api/v1/agent/nodes/${nodeId}/challenges/${challengeId}/reveal`,
  /** The agent is stopping: take the node offline now, not after missed heartbeats. */
  deregister: (nodeId: string) => `/api/v1/agent/nodes/${nodeId}/deregister`,
} as const

/** Validates an agent request body once, where it is used; the sentence names
 *  the field and reaches the agent as a 422. */
export function parseAgentBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const sentence = `Invalid ${issue.path.join('.') || 'body'}: ${issue.message}.`
  throw new AppError(sentence, { code: 'INVALID_BODY', userMessage: sentence })
}
