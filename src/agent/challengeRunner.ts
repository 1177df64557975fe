/** What computes a challenge's products on this machine: the CPU runner for
 *  declared inventories, or an external command (the NVIDIA runner by default).
 *  Two steps, as the protocol has them: prepare needs no secret and may take
 *  its time; compute starts the timed work once the seed is known. */
export interface ChallengeRunner {
  /** Starts the runner and expands B on each of `devices` (product g runs on devices[g]). */
  prepare(params: { matrixSeed: string; size: number; rounds: number; devices: string[] }, signal: AbortSignal): Promise<PreparedChallenge>
}

export interface PreparedChallenge {
  /** Computes every GPU's chained products for A expanded from `seed`. */
  compute(seed: string, signal: AbortSignal): Promise<void>
  /** Row `row` of GPU `gpu`'s last round as int32 little-endian entries (what is hashed and revealed). */
  row(gpu: number, row: number): Buffer
  /** The same row of the earlier rounds, oldest first (rounds - 1 of them). */
  chain(gpu: number, row: number, signal: AbortSignal): Promise<Buffer[]>
  /** Stops the runner and frees memory and files. */
  dispose(): void
}
