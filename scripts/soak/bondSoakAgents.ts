import Database from 'better-sqlite3'
import { eq, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import type { Address } from 'viem'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { nodeGpus, nodes, providers } from '../../src/db/schema/market.ts'
import { wallets } from '../../src/db/schema/wallets.ts'
import { ProtocolParameters } from '../../src/governance/ProtocolParameters.ts'
import { available, system } from '../../src/ledger/balanceKeys.ts'
import { Ledger } from '../../src/ledger/Ledger.ts'
import { TokenUnits } from '../../src/ledger/TokenUnits.ts'
import { Bonds } from '../../src/market/Bonds.ts'
import { bondPerGpu, ProviderListing } from '../../src/market/ProviderListing.ts'

type RegisteredNode = { id: string; accountId: number; gpus: number }

/** Waits (reading only) until each address has a registered node with GPUs. */
export async function waitForAgentNodes(databasePath: string, addresses: Address[], timeoutMs = 90_000): Promise<RegisteredNode[]> {
  const found = new Map<Address, RegisteredNode>()
  const deadline = Date.now() + timeoutMs
  while (found.size < addresses.length && Date.now() < deadline) {
    const sqlite = new Database(databasePath, { readonly: true })
    try {
      const db = drizzle(sqlite)
      for (const address of addresses.filter((a) => !found.has(a))) {
        const node = db
          .select({ id: nodes.id, accountId: wallets.accountId, gpus: sql<number>`(select coalesce(sum(${nodeGpus.total}), 0) from ${nodeGpus} where ${nodeGpus.nodeId} = ${nodes.id})` })
          .from(nodes)
          .innerJoin(providers, eq(providers.id, nodes.providerId))
          .innerJoin(wallets, eq(wallets.address, providers.address))
          .where(eq(providers.address, address))
          .get()
        if (node && node.gpus > 0) found.set(address, node)
      }
    } finally {
      sqlite.close()
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  return [...found.values()]
}

/** Soak setup, done the way the product bonds its own demo providers, and
 *  while the product is stopped (a second writer would race its
 *  transactions): each real agent's provider account gets the bond its GPUs
 *  need, funded from the treasury through the ledger. Verification is left
 *  to the agent's real compute challenge. */
export function bondAgentNodes(databasePath: string, registered: RegisteredNode[]): void {
  const { db, close } = openDatabase(databasePath)
  try {
    const ledger = new Ledger(db)
    const params = new ProtocolParameters(db)
    const units = new TokenUnits('GRID', 18)
    const listing = new ProviderListing({ db, ledger, params, units, clock: Date.now, simulatedAllowed: true })
    const bonds = new Bonds({ db, ledger, units, params, clock: Date.now, listing })
    for (const node of registered) {
      const amount = bondPerGpu(params, units) * BigInt(node.gpus)
      ledger.post({
        kind: 'soak.bond.fund',
        idempotencyKey: `soak.bond.fund:${node.id}`,
        entries: [
          { key: system('treasury'), amount: -amount },
          { key: available(node.accountId), amount },
        ],
        now: Date.now(),
      })
      bonds.bond({ accountId: node.accountId, amount })
      listing.refreshNode(node.id)
    }
  } finally {
    close()
  }
}

/** Before the first start: the security hold shortened from hours to seconds
 *  (below the governed minimum of 1 hour, which only a proposal would check),
 *  so withdrawals happen within a short soak. */
export function setSoakParameters(databasePath: string, holdHours: string): void {
  const { sqlite, close } = openDatabase(databasePath)
  try {
    sqlite
      .prepare(`insert into protocol_parameters (name, value, set_by_proposal, updated_at) values ('security_hold_hours', ?, null, ?) on conflict(name) do update set value = excluded.value`)
      .run(holdHours, Date.now())
  } finally {
    close()
  }
}
