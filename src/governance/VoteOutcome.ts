import type { ProposalView } from './proposalView.ts'
import type { RelayAnswer } from './snapshot/SnapshotRelay.ts'

/** What a vote did: counted natively, or relayed to Snapshot per wallet. */
export type VoteOutcome =
  | { kind: 'native'; proposal: ProposalView; choice: string; previous: string | null; power: bigint; wallets: number; delegated?: { power: bigint; accounts: number } }
  | { kind: 'relayed'; proposal: ProposalView; choice: string; answers: { address: string; answer: RelayAnswer }[] }
