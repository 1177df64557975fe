import { checkWorkloadImages, DEFAULT_WORKLOAD_IMAGES } from '../market/workloadImages.ts'

/** The parameters token holders govern, with their defaults and valid ranges.
 *  Values are kept as text; each definition says how to read it. */
export interface ParameterDefinition {
  description: string
  default: string
  /** Returns an error sentence when the value is not acceptable. */
  validate(value: string): string | undefined
}

const wholeNumber = (min: number, max: number) => (value: string) =>
  /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max ? undefined : `expected a whole number from ${min} to ${max}`

const tokenAmount = (value: string) => (/^\d+(\.\d{1,18})?$/.test(value) ? undefined : 'expected a token amount such as 50000, with at most 18 decimals')

const gpuWeights = (value: string) => {
  try {
    const parsed = JSON.parse(value) as unknown
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'expected JSON such as {"H100-80GB":10}'
    return Object.values(parsed).every((w) => typeof w === 'number' && w >= 0 && w <= 1000) ? undefined : 'expected weights from 0 to 1000'
  } catch {
    return 'expected JSON such as {"H100-80GB":10}'
  }
}

export const PARAMETERS = {
  protocol_fee_bps: { description: 'Protocol fee on rental earnings, in basis points', default: '500', validate: wholeNumber(0, 5000) },
  epoch_emission: { description: 'Tokens emitted to providers per full epoch (one EPOCH_CRON period); shorter epochs emit their share', default: '50000', validate: tokenAmount },
  offpeak_multiplier_bps: { description: 'Reward multiplier for off-peak buckets, in basis points', default: '12500', validate: wholeNumber(10000, 30000) },
  renewable_multiplier_bps: { description: 'Reward multiplier for renewable-powered nodes, in basis points', default: '12000', validate: wholeNumber(10000, 30000) },
  renewable_attester: {
    description: 'Address that must counter-sign renewable attestations ("none": the provider\'s signature suffices)',
    default: 'none',
    validate: (value: string) => (value === 'none' || /^0x[0-9a-fA-F]{40}$/.test(value) ? undefined : 'expected an address or none'),
  },
  min_uptime_bps: { description: 'Least uptime share in an epoch to earn emission, in basis points', default: '5000', validate: wholeNumber(0, 10000) },
  offpeak_start_hour: { description: 'Network-wide off-peak window start (UTC hour)', default: '22', validate: wholeNumber(0, 23) },
  offpeak_end_hour: { description: 'Network-wide off-peak window end (UTC hour)', default: '6', validate: wholeNumber(0, 24) },
  min_payout: { description: 'Smallest reward payout; less carries over to the next epoch', default: '1', validate: tokenAmount },
  quorum: { description: 'Least total voting power for a proposal to pass, in tokens', default: '1000', validate: tokenAmount },
  proposal_threshold: { description: 'Least voting power to create a proposal, in tokens', default: '100', validate: tokenAmount },
  security_hold_hours: { description: 'Hours withdrawals wait after a security change (wallet linked, merge)', default: '24', validate: wholeNumber(1, 720) },
  provider_bond_per_gpu: { description: 'Bond a provider needs per listed GPU, in tokens', default: '50', validate: tokenAmount },
  unbond_days: { description: 'Days an unbonded amount waits (and can still be slashed) before release', default: '7', validate: wholeNumber(0, 90) },
  verification_interval_hours: { description: 'Longest time between compute challenges of a node, in hours', default: '6', validate: wholeNumber(1, 168) },
  slash_fraud_bps: { description: 'Share of the bond slashed when a verified node fails a challenge, in basis points', default: '5000', validate: wholeNumber(0, 10000) },
  slash_failure_bps: { description: "Share of a failed rental's cost paid to the renter from the bond, in basis points", default: '2000', validate: wholeNumber(0, 10000) },
  slash_cooldown_hours: { description: 'Hours a provider stays unlisted after a fraud slash', default: '72', validate: wholeNumber(0, 8760) },
  served_multiplier_bps: { description: 'Reward weight of served (rented) GPU-hours against idle uptime, in basis points', default: '20000', validate: wholeNumber(10000, 50000) },
  gpu_throughput: {
    description: 'Expected challenge throughput per GPU model, int8-exact matmul TFLOPS (JSON)',
    default: JSON.stringify({ 'H200-141GB': 400, 'H100-80GB': 350, 'A100-80GB': 150, 'A100-40GB': 150, 'L40S-48GB': 180, 'RTX4090-24GB': 80, 'RTX3090-24GB': 35 }),
    validate: gpuWeights,
  },
  challenge_margin_bps: { description: 'Slack on the expected challenge time (plus network), in basis points of it', default: '30000', validate: wholeNumber(10000, 100000) },
  workload_images: {
    description: 'Workload images renters pick with /rent image:<name>, and the default (JSON)',
    default: JSON.stringify(DEFAULT_WORKLOAD_IMAGES),
    validate: checkWorkloadImages,
  },
  gpu_weights: {
    description: 'Reward weight per GPU model (JSON)',
    default: JSON.stringify({ 'H200-141GB': 12, 'H100-80GB': 10, 'A100-80GB': 5, 'A100-40GB': 4, 'L40S-48GB': 3, 'RTX4090-24GB': 1.25, 'RTX3090-24GB': 0.8 }),
    validate: gpuWeights,
  },
} satisfies Record<string, ParameterDefinition>

export type ParameterName = keyof typeof PARAMETERS
