import { randomBytes } from 'node:crypto'
import { pino } from 'pino'
import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { SecretBox } from '../../src/app/SecretBox.ts'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { ProtocolParameters } from '../../src/governance/ProtocolParameters.ts'
import { ChatIdentities } from '../../src/identity/ChatIdentities.ts'
import { available, system } from '../../src/ledger/balanceKeys.ts'
import { checkLedger } from '../../src/ledger/checkLedger.ts'
import { Ledger } from '../../src/ledger/Ledger.ts'
import { TokenUnits } from '../../src/ledger/TokenUnits.ts'
import { MarketService } from '../../src/market/MarketService.ts'
import { NodeRegistry } from '../../src/market/NodeRegistry.ts'
import { Rentals } from '../../src/market/Rentals.ts'
import type { RegisterNodeBody } from '../../src/protocol/agentProtocol.ts'

export const TOKEN = 10n ** 18n

/** The marketplace on an in-memory SQLite with a movable clock. */
export function createMarketHarness({ start = Date.UTC(2026, 10, 26, 12), heartbeatIntervalMs = 30_000 } = {}) {
  const { db, sqlite, close } = openDatabase(':memory:')
  const clock = { now: start }
  const now = () => clock.now
  const units = new TokenUnits('GRID', 18)
  const ledger = new Ledger(db)
  const params = new ProtocolParameters(db)
  const secrets = new SecretBox(randomBytes(32))
  const identities = new ChatIdentities(db)
  const registry = new NodeRegistry({ db, units, clock: now, heartbeatIntervalMs, openSecret: (s) => secrets.open(s) })
  const rentals = new Rentals({ db, ledger, units, params, secrets, clock: now, logger: pino({ level: 'silent' }), claimTimeoutMs: 3 * 60_000 })
  const market = new MarketService(db, sqlite, registry, rentals)
  let fundings = 0
  return {
    db,
    sqlite,
    close,
    clock,
    units,
    ledger,
    params,
    secrets,
    registry,
    rentals,
    market,
    /** A renter account with `tokens` available. */
    renter(id: string, tokens: bigint | number = 100) {
      const { accountId } = identities.ensure({ platform: 'telegram', id, name: id }, clock.now)
      const amount = BigInt(tokens) * TOKEN
      if (amount > 0n) {
        ledger.post({ kind: 'test.fund', idempotencyKey: `fund:${fundings++}`, entries: [{ key: system('treasury'), amount: -amount }, { key: available(accountId), amount }], now: clock.now })
      }
      return accountId
    },
    /** A provider wallet and its registered node. */
    provider(index: number, node: Partial<RegisterNodeBody> = {}) {
      const address = privateKeyToAccount(`0x${(index + 1).toString(16).padStart(64, '0')}`).address as Address
      const { nodeId } = registry.register(address, {
        nodeKey: `node-${index}`,
        gpus: [{ name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559, count: 2 }],
        pricePerGpuHour: '2',
        region: 'eu-west',
        ...node,
      })
      return { address, nodeId, accountId: registry.providerAccount(address) }
    },
    invariants: () => checkLedger(sqlite),
  }
}
