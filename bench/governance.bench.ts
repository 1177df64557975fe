import { pino } from 'pino'
import { randomBytes } from 'node:crypto'
import { getAddress, keccak256, toHex, type Address } from 'viem'
import { SecretBox } from '../src/app/SecretBox.ts'
import { openDatabase } from '../src/db/openDatabase.ts'
import { votingPowerCache } from '../src/db/schema/governance.ts'
import { wallets } from '../src/db/schema/wallets.ts'
import { Governance, type GovernanceDeps } from '../src/governance/Governance.ts'
import { ProtocolParameters } from '../src/governance/ProtocolParameters.ts'
import { tallyVotes, type TallyVote } from '../src/governance/tallyVotes.ts'
import { VOTING_TYPES, type VotingType } from '../src/governance/votingTypes.ts'
import { ChatIdentities } from '../src/identity/ChatIdentities.ts'
import { TokenUnits } from '../src/ledger/TokenUnits.ts'
import { measure, type BenchRow } from './measure.ts'

const VOTES = 100_000
const CHOICES = ['A', 'B', 'C', 'D', 'E']

/** A deterministic pseudo-random source, so every run tallies the same ballots. */
function random(seed: number) {
  let state = seed
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return state / 2 ** 31
  }
}

function ballots(type: VotingType): TallyVote[] {
  const next = random(7)
  const pick = () => 1 + Math.floor(next() * CHOICES.length)
  return Array.from({ length: VOTES }, () => {
    const balance = Math.round(next() * 1e6) / 100
    switch (type) {
      case 'single-choice':
        return { choice: pick(), balance }
      case 'approval':
        return { choice: [...new Set([pick(), pick()])], balance }
      case 'ranked-choice':
        return { choice: [1, 2, 3, 4, 5].sort(() => next() - 0.5), balance }
      case 'weighted':
      case 'quadratic':
        return { choice: { [pick()]: 1 + Math.floor(next() * 100), [pick()]: 1 + Math.floor(next() * 100) }, balance }
    }
  })
}

/** Tallies of 100,000 votes per voting type with snapshot.js's classes, and
 *  cached voting-power lookups (the path every vote after the first takes). */
export default async function (): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  for (const type of VOTING_TYPES) {
    const votes = ballots(type)
    tallyVotes(type, CHOICES, votes)
    const row = await measure(`governance: tally ${VOTES.toLocaleString('en-US')} ${type} votes`, { total: 5, concurrency: 1 }, () => tallyVotes(type, CHOICES, votes))
    rows.push({ ...row, note: `${Math.round((VOTES * row.opsPerSecond) / 1000).toLocaleString('en-US')}k votes/s` })
  }

  const { db } = openDatabase(':memory:')
  const addresses: Address[] = Array.from({ length: 10_000 }, (_, i) => getAddress(keccak256(toHex(`bench/${i}`)).slice(0, 42)))
  let chainReads = 0
  const publicClient = {
    getBlockNumber: async () => 100n,
    readContract: async () => {
      chainReads++
      return 10n ** 20n
    },
  } as unknown as GovernanceDeps['publicClient']
  const governance = new Governance({
    db,
    clock: Date.now,
    logger: pino({ level: 'silent' }),
    units: new TokenUnits('GRID', 18),
    params: new ProtocolParameters(db),
    publicClient,
    token: addresses[0]!,
    publicUrl: 'http://localhost:8787',
    secrets: new SecretBox(randomBytes(32)),
  })
  const identities = new ChatIdentities(db)
  const admin = identities.ensure({ platform: 'console', id: 'op', name: 'op' }, Date.now())
  const proposal = await governance.propose({ accountId: admin.accountId, isAdmin: true, fields: { title: 'Bench' } })
  const accounts = addresses.map((address, i) => {
    const { accountId } = identities.ensure({ platform: 'telegram', id: String(i), name: `u${i}` }, Date.now())
    db.insert(wallets).values({ address, accountId, linkedAt: Date.now() }).run()
    return accountId
  })
  db.transaction((tx) => {
    for (const address of addresses) tx.insert(votingPowerCache).values({ proposalId: proposal.id, address, power: (10n ** 20n).toString(), fetchedAt: Date.now() }).run()
  })
  rows.push(
    await measure('governance: voting-power lookup, cached (10,000 wallets)', { total: 200_000, concurrency: 1 }, (i) =>
      governance.votingPower.atSnapshot(proposal, [addresses[i % addresses.length]!]),
    ),
  )
  rows.push(
    await measure('governance: vote through the service, power cached', { total: 20_000, concurrency: 1 }, (i) =>
      governance.vote({ accountId: accounts[i % accounts.length]!, identity: `telegram:${i}`, proposalId: proposal.id, choice: i % 2 ? 'For' : 'Against' }),
    ),
  )
  if (chainReads !== 0) throw new Error(`expected every lookup from the cache, made ${chainReads} chain reads`)
  return rows
}
