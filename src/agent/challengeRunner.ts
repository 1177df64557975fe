/** What computes a challenge's products on this machine: the CPU runner for
 *  declared inventories, or an external command (the NVIDIA runner by default). */
export interface ChallengeRunner {
  /** Computes C_g = A_g · B for each g < devices.length, product g on devices[g]. */
  compute(params: { seed: string; matrixSeed: string; size: number; devices: string[] }, signal: AbortSignal): Promise<ChallengeProducts>
}

export interface ChallengeProducts {
  /** Row `row` of product `gpu` as int32 little-endian entries (what is hashed and revealed). */
  row(gpu: number, row: number): Buffer
  /** Frees memory and files; the products are gone afterwards. */
  dispose(): void
}
