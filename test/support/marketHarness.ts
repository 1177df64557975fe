import { randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { pino } from 'pino'
import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { SecretBox } from '../../src/app/SecretBox.ts'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { nodeGpus, nodes } from '../../src/db/schema/market.ts'
import { ProtocolParameters } from '../../src/governance/ProtocolParameters.ts'
import { ChatIdentities } from '../../src/identity/ChatIdentities.ts'
import { available, system } from '../../src/ledger/balanceKeys.ts'
import { checkLedger } from '../../src/ledger/checkLedger.ts'
import { Ledger } from '../../src/ledger/Ledger.ts'
import { TokenUnits } from '../../src/ledger/TokenUnits.ts'
import { Bonds } from '../../src/market/Bonds.ts'
import { MarketService } from '../../src/market/MarketService.ts'
import { NodeRegistry } from '../../src/market/NodeRegistry.ts'
import { bondPerGpu, ProviderListing } from '../../src/market/ProviderListing.ts'
import { Rentals } from '../../src/market/Rentals.ts'
import { Slashing } from '../../src/market/Slashing.ts'
import type { RegisterNodeBody } from '../../src/protocol/agentProtocol.ts'

export const TOKEN = 10n ** 18n

/** The marketplace on an in-memory SQLite with a movable clock. */
export function createMarketHarness({ start = Date.UTC(2026, 10, 26, 12), heartbeatIntervalMs = 30_000, simulatedAllowed = true, path = ':memory:' } = {}) {
  // A file path when other connections (worker threads) share the database.
  const { db, sqlite, close } = openDatabase(path)
  const clock = { now: start }
  const now = () => clock.now
  const units = new TokenUnits('GRID', 18)
  const ledger = new Ledger(db)
  const params = new ProtocolParameters(db)
  const secrets = new SecretBox(randomBytes(32))
  const identities = new ChatIdentities(db)
  const listing = new ProviderListing({ db, ledger, params, units, clock: now, simulatedAllowed })
  const registry = new NodeRegistry({ db, units, clock: now, heartbeatIntervalMs, openSecret: (s) => secrets.open(s), listing })
  const slashing = new Slashing({ db, ledger, units, params, clock: now, listing })
  let bondIds = 0
  const bonds = new Bonds({ db, ledger, units, params, clock: now, listing, newId: () => String(bondIds++) })
  const rentals = new Rentals({ db, ledger, units, params, secrets, clock: now, logger: pino({ level: 'silent' }), claimTimeoutMs: 3 * 60_000, slashing })
  const market = new MarketService(db, sqlite, registry, rentals, bonds, slashing)
  let fundings = 0
  const fund = (accountId: number, amount: bigint) =>
    ledger.post({ kind: 'test.fund', idempotencyKey: `fund:${fundings++}`, entries: [{ key: system('treasury'), amount: -amount }, { key: available(accountId), amount }], now: clock.now })
  /** Marks a node verified the way a passed challenge does, then lets the listing rule decide. */
  const verify = (nodeId: string, gpus?: number) => {
    const declared = db.select({ total: nodeGpus.total }).from(nodeGpus).where(eq(nodeGpus.nodeId, nodeId)).all().reduce((sum, g) => sum + g.total, 0)
    db.update(nodes).set({ verification: 'verified', verifiedAt: clock.now, verifiedGpus: gpus ?? declared, verificationFailure: null }).where(eq(nodes.id, nodeId)).run()
    listing.refreshNode(nodeId)
    return declared
  }
  /** Funds and bonds exactly what the node's declared GPUs need, and verifies it:
   *  the state an honest provider reaches through /provider bond and a passed challenge. */
  const bondAndVerify = (accountId: number, nodeId: string) => {
    const declared = db.select({ total: nodeGpus.total }).from(nodeGpus).where(eq(nodeGpus.nodeId, nodeId)).all().reduce((sum, g) => sum + g.total, 0)
    const needed = bondPerGpu(params, units) * BigInt(declared)
    if (needed > 0n) {
      fund(accountId, needed)
      bonds.bond({ accountId, amount: needed })
    }
    verify(nodeId)
  }
  return {
    db,
    sqlite,
    close,
    clock,
    units,
    ledger,
    params,
    secrets,
    listing,
    registry,
    slashing,
    bonds,
    rentals,
    market,
    fund,
    verify,
    /** A renter account with `tokens` available. */
    renter(id: string, tokens: bigint | number = 100) {
      const { accountId } = identities.ensure({ platform: 'telegram', id, name: id }, clock.now)
      const amount = BigInt(tokens) * TOKEN
      if (amount > 0n) fund(accountId, amount)
      return accountId
    },
    bondAndVerify,
    /** A provider wallet and its registered node, bonded and verified unless `trusted: false`. */
    provider(index: number, node: Partial<RegisterNodeBody> = {}, { trusted = true } = {}) {
      const address = privateKeyToAccount(`0x${(index + 1).toString(16).padStart(64, '0')}`).address as Address
      const { nodeId } = registry.register(address, {
        nodeKey: `node-${index}`,
        gpus: [{ name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559, count: 2 }],
        pricePerGpuHour: '2',
        region: 'eu-west',
        ...node,
      })
      const accountId = registry.providerAccount(address)
      if (trusted) bondAndVerify(accountId, nodeId)
      return { address, nodeId, accountId }
    },
    invariants: () => checkLedger(sqlite),
  }
}
