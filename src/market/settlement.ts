/** What a rental costs when it ends, billed per started minute of running
 *  time. Pure arithmetic over base units so it can be checked by hand. */
export interface SettlementInput {
  pricePerGpuHour: bigint
  gpuCount: number
  /** Hours paid for (including extensions): the cap on billed time. */
  hours: number
  escrowed: bigint
  startedAt: number | null
  /** When service ended (stop, end time, or the node's last heartbeat). */
  servedUntil: number
  feeBps: number
}

export interface Settlement {
  minutes: number
  charged: bigint
  fee: bigint
  providerEarns: bigint
  refunded: bigint
}

export function settle(input: SettlementInput): Settlement {
  const ranMs = input.startedAt === null ? 0 : Math.max(0, input.servedUntil - input.startedAt)
  const minutes = Math.min(Math.ceil(ranMs / 60_000), input.hours * 60)
  // Rounded down: a fraction of a base unit is never charged.
  const charged = (input.pricePerGpuHour * BigInt(input.gpuCount) * BigInt(minutes)) / 60n
  const fee = (charged * BigInt(input.feeBps)) / 10_000n
  return { minutes, charged, fee, providerEarns: charged - fee, refunded: input.escrowed - charged }
}
