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
  epoch_emission: { description: 'Tokens emitted to providers per epoch', default: '50000', validate: tokenAmount },
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
  gpu_weights: {
    description: 'Reward weight per GPU model (JSON)',
    default: JSON.stringify({ 'H200-141GB': 12, 'H100-80GB': 10, 'A100-80GB': 5, 'A100-40GB': 4, 'L40S-48GB': 3, 'RTX4090-24GB': 1.25, 'RTX3090-24GB': 0.8 }),
    validate: gpuWeights,
  },
} satisfies Record<string, ParameterDefinition>

export type ParameterName = keyof typeof PARAMETERS
