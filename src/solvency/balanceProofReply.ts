import type { Reply } from '../command/reply.ts'
import { UserError } from '../errors/AppError.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import type { SolvencyProof } from './verifySolvencyProof.ts'

/** /balance proof: the user's own leaf and path, private, with how to check it. */
export function balanceProofReply(proof: SolvencyProof | undefined, { units, publicUrl }: { units: TokenUnits; publicUrl: string }): Reply {
  if (!proof) throw new UserError('No published proof of solvency includes your account yet: one is taken at every epoch close, so try again after the next one.')
  return {
    title: `Your proof of solvency (snapshot ${proof.snapshot})`,
    text:
      `Your leaf commits to ${units.format(BigInt(proof.leaf.amount))} under a salt only you are given. ` +
      `Check it against the published root at ${publicUrl}/api/v1/solvency/${proof.snapshot} with the script in docs/solvency.md. Keep the salt to yourself: it identifies your leaf.`,
    code: JSON.stringify(proof, null, 2),
    private: true,
  }
}
