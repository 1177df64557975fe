/** The minutes a settled rental was billed for, read back from what it was
 *  charged: settle() charges ⌊price × GPUs × minutes / 60⌋, which for any
 *  price of at least 60 base units per GPU-hour gives the minutes back exactly. */
export function billedMinutes(rental: { pricePerGpuHour: string; gpuCount: number; charged: string | null }): number {
  const perHour = BigInt(rental.pricePerGpuHour) * BigInt(rental.gpuCount)
  const charged = BigInt(rental.charged ?? '0')
  if (perHour === 0n) return 0
  return Number((charged * 60n + perHour - 1n) / perHour)
}

/** "45 min", "2 h", "1 h 5 min". */
export function formatMinutes(minutes: number): string {
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  if (h === 0) return `${m} min`
  return m === 0 ? `${h} h` : `${h} h ${m} min`
}
