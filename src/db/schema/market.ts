import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

/** A provider is a wallet that runs node agents; its earnings go to the account owning that wallet. */
export const providers = sqliteTable(
  'providers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    address: text('address').notNull().unique(),
    createdAt: integer('created_at').notNull(),
    /** Set by a fraud slash: the provider's nodes stay unlisted until then (cleared when the cooldown ends). */
    unlistedUntil: integer('unlisted_until'),
  },
  // The listing sweep finds cooldowns that ended without scanning every provider.
  (t) => [index('providers_unlisted_until').on(t.unlistedUntil)],
)

export const nodes = sqliteTable(
  'nodes',
  {
    id: text('id').primaryKey(),
    providerId: integer('provider_id')
      .notNull()
      .references(() => providers.id),
    nodeKey: text('node_key').notNull(),
    region: text('region').notNull(),
    /** Base units per GPU-hour. */
    pricePerGpuHour: text('price_per_gpu_hour').notNull(),
    renewable: integer('renewable', { mode: 'boolean' }).notNull().default(false),
    offPeakStartHour: integer('off_peak_start_hour'),
    offPeakEndHour: integer('off_peak_end_hour'),
    online: integer('online', { mode: 'boolean' }).notNull().default(true),
    lastHeartbeatAt: integer('last_heartbeat_at').notNull(),
    /** Share of 5-minute buckets with a heartbeat over the last 7 days, 0..1. */
    reliability: real('reliability').notNull().default(1),
    utilization: text('utilization').notNull().default('[]'),
    driverVersion: text('driver_version'),
    cudaVersion: text('cuda_version'),
    freeDiskMb: integer('free_disk_mb'),
    /** Declared with --gpus (no nvidia-smi): verifiable only where SIMULATED_PROVIDERS=allow. */
    simulated: integer('simulated', { mode: 'boolean' }).notNull().default(false),
    /** Trust state from compute challenges: pending until the first one passes. */
    verification: text('verification', { enum: ['pending', 'verified', 'failed'] }).notNull().default('pending'),
    verifiedAt: integer('verified_at'),
    /** GPUs the last passed challenge proved (min with the declared count is what counts). */
    verifiedGpus: integer('verified_gpus').notNull().default(0),
    /** Measured challenge speed against the model's expected throughput, in basis points. */
    measuredSpeedBps: integer('measured_speed_bps'),
    verificationFailure: text('verification_failure'),
    /** When the next challenge is due (random, at most verification_interval_hours after the last). */
    nextChallengeAt: integer('next_challenge_at'),
    /** Verified, current, bonded and the provider not unlisted: maintained by refreshProviderListing. */
    listed: integer('listed', { mode: 'boolean' }).notNull().default(false),
    maintenanceFrom: integer('maintenance_from'),
    maintenanceUntil: integer('maintenance_until'),
    registeredAt: integer('registered_at').notNull(),
  },
  (t) => [
    uniqueIndex('nodes_provider_key').on(t.providerId, t.nodeKey),
    index('nodes_online_heartbeat').on(t.online, t.lastHeartbeatAt),
    // The listing sweep: listed nodes whose verification lapsed, found by range.
    index('nodes_listed_verified').on(t.listed, t.verifiedAt),
    // Registration limits: a provider's recent and pending nodes.
    index('nodes_provider_registered').on(t.providerId, t.registeredAt),
  ],
)

/** Capacity per (node, model), with the node's searchable fields copied in so
 *  availability search reads one table. `online` here means searchable: the
 *  node is online AND listed (verified, current, bonded); see providerListing.ts. */
export const nodeGpus = sqliteTable(
  'node_gpus',
  {
    nodeId: text('node_id')
      .notNull()
      .references(() => nodes.id),
    model: text('model').notNull(),
    memoryMb: integer('memory_mb').notNull(),
    total: integer('total').notNull(),
    allocated: integer('allocated').notNull().default(0),
    region: text('region').notNull(),
    pricePerGpuHour: text('price_per_gpu_hour').notNull(),
    /** The price zero-padded to 40 digits: text order = numeric order, no overflow. */
    priceSort: text('price_sort').notNull(),
    reliability: real('reliability').notNull(),
    online: integer('online', { mode: 'boolean' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.nodeId, t.model] }),
    // The quote's walk: its equalities, then its whole ORDER BY (reliability descending), then the
    // free-GPU and region filters: the first row that fits is the answer, with no sort and no table read.
    index('node_gpus_quote').on(t.online, t.model, t.priceSort, sql`${t.reliability} desc`, t.nodeId, t.total, t.allocated, t.region),
    // Covers /gpus: read in (model, reliability) order, grouped without a sort.
    index('node_gpus_availability').on(t.online, t.model, t.reliability, t.priceSort, t.region, t.total, t.allocated, t.memoryMb),
  ],
)

/** Fixed 5-minute buckets in which a node was seen: bounded storage for
 *  reliability and per-epoch rewards, instead of raw heartbeats. */
export const uptimeBuckets = sqliteTable(
  'uptime_buckets',
  {
    nodeId: text('node_id').notNull(),
    bucketStart: integer('bucket_start').notNull(),
    gpus: integer('gpus').notNull(),
    rentedGpus: integer('rented_gpus').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.nodeId, t.bucketStart] }), index('uptime_buckets_start').on(t.bucketStart)],
)

/** The same uptime rolled up per hour, written when a bucket opens: an epoch
 *  close reads these sums instead of every 5-minute bucket. */
export const uptimeHours = sqliteTable(
  'uptime_hours',
  {
    nodeId: text('node_id').notNull(),
    hourStart: integer('hour_start').notNull(),
    buckets: integer('buckets').notNull(),
    gpus: integer('gpus').notNull(),
    /** Sum over the hour's buckets of GPUs serving rentals (served hours weigh more). */
    rentedGpus: integer('rented_gpus').notNull().default(0),
  },
  // Covering: an epoch close reads 2.4 M hours a day at 100,000 nodes from the index alone.
  (t) => [primaryKey({ columns: [t.nodeId, t.hourStart] }), index('uptime_hours_epoch').on(t.hourStart, t.nodeId, t.buckets, t.gpus, t.rentedGpus)],
)

export const RENTAL_STATUSES = ['pending', 'provisioning', 'running', 'completed', 'stopped', 'failed', 'expired'] as const
export type RentalStatus = (typeof RENTAL_STATUSES)[number]

export const rentals = sqliteTable(
  'rentals',
  {
    id: text('id').primaryKey(),
    accountId: integer('account_id').notNull(),
    nodeId: text('node_id')
      .notNull()
      .references(() => nodes.id),
    model: text('model').notNull(),
    gpuCount: integer('gpu_count').notNull(),
    hours: integer('hours').notNull(),
    pricePerGpuHour: text('price_per_gpu_hour').notNull(),
    /** Held in escrow for this rental (grows with /extend). */
    escrowed: text('escrowed').notNull(),
    status: text('status', { enum: RENTAL_STATUSES }).notNull(),
    createdAt: integer('created_at').notNull(),
    /** The agent must claim before this, or the rental is re-placed. */
    claimBy: integer('claim_by').notNull(),
    startedAt: integer('started_at'),
    endsAt: integer('ends_at'),
    endedAt: integer('ended_at'),
    /** AES-GCM sealed JSON of the connection details and the access secret. */
    connectionSealed: text('connection_sealed'),
    accessSecretSealed: text('access_secret_sealed').notNull(),
    failureReason: text('failure_reason'),
    /** The rental this one continues after its node failed. */
    replacesId: text('replaces_id'),
    /** The workload image from the governed catalogue: its name there, and the reference the agent runs. */
    imageName: text('image_name'),
    image: text('image'),
    /** JSON array of the SSH key fingerprints the account had when the rental was confirmed (a failover's
     *  replacement carries its predecessor's): a key added later never reaches it. Null: none. */
    sshKeyFingerprints: text('ssh_key_fingerprints'),
    charged: text('charged'),
    fee: text('fee'),
    refunded: text('refunded'),
  },
  (t) => [index('rentals_account').on(t.accountId, t.createdAt), index('rentals_node_status').on(t.nodeId, t.status), index('rentals_status').on(t.status)],
)

/** Signatures already seen from agents, kept past the clock-skew window: replays are refused. */
export const agentRequestSignatures = sqliteTable(
  'agent_request_signatures',
  {
    signature: text('signature').primaryKey(),
    seenAt: integer('seen_at').notNull(),
  },
  (t) => [index('agent_request_signatures_seen').on(t.seenAt)],
)

/** Agent sessions: issued against a wallet signature, then requests carry an HMAC. */
export const agentSessions = sqliteTable(
  'agent_sessions',
  {
    id: text('id').primaryKey(),
    address: text('address').notNull(),
    /** Sealed with the data key: it verifies requests, so it must be readable, but not in clear at rest. */
    secretSealed: text('secret_sealed').notNull(),
    expiresAt: integer('expires_at').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('agent_sessions_expires').on(t.expiresAt)],
)

/** Compute challenges: issued, committed (Merkle roots per GPU), opened, judged. */
export const nodeChallenges = sqliteTable(
  'node_challenges',
  {
    id: text('id').primaryKey(),
    nodeId: text('node_id')
      .notNull()
      .references(() => nodes.id),
    seed: text('seed').notNull(),
    /** Matrix size per GPU. */
    size: integer('size').notNull(),
    gpus: integer('gpus').notNull(),
    /** Chained products per GPU (see challengeMatrices.ts): sets the work. */
    rounds: integer('rounds').notNull().default(1),
    /** issued → ready (the seed is out) → committed → passed | failed. */
    status: text('status', { enum: ['issued', 'ready', 'committed', 'passed', 'failed'] }).notNull(),
    issuedAt: integer('issued_at').notNull(),
    /** When the agent said its runner was ready and got the seed: the timed window starts here. */
    readyAt: integer('ready_at'),
    /** While issued: the runner must be ready before this. Once ready: the commitment
     *  must arrive before this (the claimed model's time for the work, with the margin). */
    commitBy: integer('commit_by').notNull(),
    /** JSON array of hex Merkle roots, one per GPU. */
    roots: text('roots'),
    committedAt: integer('committed_at'),
    /** JSON array of [gpu, row] pairs the coordinator named after the commitment. */
    openRows: text('open_rows'),
    judgedAt: integer('judged_at'),
    failureReason: text('failure_reason'),
  },
  (t) => [index('node_challenges_node').on(t.nodeId, t.issuedAt), index('node_challenges_status').on(t.status, t.commitBy)],
)

/** Every slash, with its reason: fraud (a failed challenge after verification) or a rental failure. */
export const slashes = sqliteTable(
  'slashes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    providerId: integer('provider_id')
      .notNull()
      .references(() => providers.id),
    accountId: integer('account_id').notNull(),
    kind: text('kind', { enum: ['fraud', 'failure'] }).notNull(),
    amount: text('amount').notNull(),
    reason: text('reason').notNull(),
    nodeId: text('node_id'),
    rentalId: text('rental_id'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('slashes_provider').on(t.providerId, t.createdAt)],
)

/** Bond releases waiting out unbond_days; a slash meanwhile takes from them too. */
export const unbondings = sqliteTable(
  'unbondings',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: integer('account_id').notNull(),
    amount: text('amount').notNull(),
    requestedAt: integer('requested_at').notNull(),
    releaseAt: integer('release_at').notNull(),
    releasedAt: integer('released_at'),
  },
  (t) => [index('unbondings_due').on(t.releasedAt, t.releaseAt)],
)

export type Node = typeof nodes.$inferSelect
export type NodeGpu = typeof nodeGpus.$inferSelect
export type Rental = typeof rentals.$inferSelect
export type NodeChallenge = typeof nodeChallenges.$inferSelect
