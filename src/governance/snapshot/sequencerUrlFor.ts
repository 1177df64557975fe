import { createRequire } from 'node:module'

// The hub → sequencer pairs snapshot.js's Client712 maps (mainnet, testnet, local), from snapshot.js itself.
const KNOWN = Object.values(createRequire(import.meta.url)('@snapshot-labs/snapshot.js/src/constants.json') as Record<string, unknown>).filter(
  (v): v is { hub: string; sequencer: string } => typeof v === 'object' && v !== null && 'hub' in v && 'sequencer' in v,
)

/** Where a hub's signed envelopes go when SNAPSHOT_SEQUENCER_URL is unset:
 *  the sequencer snapshot.js pairs with the hubs it knows (hub.snapshot.org →
 *  seq.snapshot.org, its testnet and local pairs); any other hub takes them at
 *  /api/msg, which a Snapshot hub redirects to its sequencer. Its root is no
 *  sequencer: a POST there is a 404 page. Matched whole, where Client712
 *  replaces a substring (it would turn localhost:30001 into localhost:30011). */
export function sequencerUrlFor(hubUrl: string): string {
  const hub = hubUrl.trim().replace(/\/+$/, '')
  return KNOWN.find((pair) => pair.hub === hub)?.sequencer ?? `${hub}/api/msg`
}
