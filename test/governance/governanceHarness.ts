import { randomBytes } from 'node:crypto'
import { asc, eq } from 'drizzle-orm'
import { pino } from 'pino'
import { getAddress, keccak256, parseUnits, toHex, type Address } from 'viem'
import authorize from '../../commands/authorize.ts'
import proposal from '../../commands/proposal.ts'
import proposals from '../../commands/proposals.ts'
import propose from '../../commands/propose.ts'
import revoke from '../../commands/revoke.ts'
import vote from '../../commands/vote.ts'
import { createMetrics } from '../../src/app/metrics.ts'
import { SecretBox } from '../../src/app/SecretBox.ts'
import type { Services } from '../../src/app/Services.ts'
import type { ChatUser } from '../../src/command/CommandContext.ts'
import { CommandPipeline } from '../../src/command/CommandPipeline.ts'
import type { CommandDefinition } from '../../src/command/defineCommand.ts'
import { RateLimiter } from '../../src/command/RateLimiter.ts'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { notifications } from '../../src/db/schema/outbox.ts'
import { wallets } from '../../src/db/schema/wallets.ts'
import { Governance, type GovernanceDeps } from '../../src/governance/Governance.ts'
import { ProtocolParameters } from '../../src/governance/ProtocolParameters.ts'
import { ChatIdentities } from '../../src/identity/ChatIdentities.ts'
import { TokenUnits } from '../../src/ledger/TokenUnits.ts'

export const GOVERNANCE_COMMANDS = [proposals, proposal, vote, propose, authorize, revoke]
export const TOKEN = 10n ** 18n
export const START = Date.UTC(2026, 10, 26, 12)
export const HOUR = 3600_000

/** Token balances by block, answering the two reads governance makes. */
export function createFakeChain(startBlock = 100n) {
  const history = new Map<Address, { from: bigint; amount: bigint }[]>()
  const chain = {
    block: startBlock,
    reads: 0,
    setBalance(address: Address, amount: bigint) {
      history.set(address, [...(history.get(address) ?? []), { from: chain.block, amount }])
    },
    mine(blocks = 1n) {
      chain.block += blocks
    },
    publicClient: {
      getBlockNumber: async () => chain.block,
      readContract: async ({ args, blockNumber }: { args: readonly unknown[]; blockNumber?: bigint }) => {
        chain.reads++
        const at = blockNumber ?? chain.block
        const entries = (history.get(args[0] as Address) ?? []).filter((e) => e.from <= at)
        return entries.at(-1)?.amount ?? 0n
      },
    } as unknown as GovernanceDeps['publicClient'],
  }
  return chain
}

export function addressOf(name: string): Address {
  return getAddress(keccak256(toHex(`wallet/${name}`)).slice(0, 42))
}

/** Governance and its commands on one in-memory SQLite with the real
 *  migrations, a movable clock and a fake chain (tests that need balances at
 *  real blocks use anvil instead). */
export function createGovernanceHarness(options: { path?: string; start?: number; chain?: ReturnType<typeof createFakeChain>; publicClient?: GovernanceDeps['publicClient']; token?: Address; snapshot?: GovernanceDeps['snapshot']; fetch?: typeof fetch; adminIds?: string[]; publicUrl?: string; extraCommands?: CommandDefinition[] } = {}) {
  // A file path when other connections (worker threads) share the database.
  const { db, sqlite, close } = openDatabase(options.path ?? ':memory:')
  const clock = { now: options.start ?? START }
  const chain = options.chain ?? createFakeChain()
  const units = new TokenUnits('GRID', 18)
  const params = new ProtocolParameters(db)
  const logger = pino({ level: 'silent' })
  const secrets = new SecretBox(randomBytes(32))
  const publicUrl = options.publicUrl ?? 'http://localhost:8787'
  const governance = new Governance({
    db,
    clock: () => clock.now,
    logger,
    units,
    params,
    publicClient: options.publicClient ?? chain.publicClient,
    token: options.token ?? addressOf('token'),
    publicUrl,
    secrets,
    snapshot: options.snapshot,
    fetch: options.fetch,
  })
  // /authorize asks for the account's wallets; the harness links them straight into the table.
  const linking = { listWallets: (accountId: number) => db.select().from(wallets).where(eq(wallets.accountId, accountId)).all() }
  const services = { publicUrl, units, params, governance, linking } as unknown as Services
  const pipeline = new CommandPipeline({
    db,
    logger,
    metrics: createMetrics({ defaults: false }),
    clock: () => clock.now,
    commands: [...GOVERNANCE_COMMANDS, ...(options.extraCommands ?? [])],
    services,
    rateLimiter: new RateLimiter({ burst: 1000, perSecond: 1000 }),
    adminIds: new Set(options.adminIds ?? []),
    autocomplete: { openProposals: () => governance.openProposalIds() },
  })
  const identities = new ChatIdentities(db)
  const chat = { id: 'group-1', kind: 'group' as const }
  return {
    db,
    sqlite,
    close,
    clock,
    chain,
    units,
    params,
    secrets,
    governance,
    pipeline,
    /** A chat user; each named wallet is linked to its account and given `tokens`
     *  GRID now on the fake chain. A 0x key links that address as it is (real chains). */
    holder(name: string, balances: Record<string, number | bigint> = {}) {
      const user: ChatUser = { platform: 'telegram', id: name, name: `@${name}` }
      const { accountId, identityId } = identities.ensure(user, clock.now)
      const addresses: Address[] = []
      for (const [wallet, tokens] of Object.entries(balances)) {
        const address = wallet.startsWith('0x') ? getAddress(wallet) : addressOf(wallet)
        db.insert(wallets).values({ address, accountId, linkedByIdentityId: identityId, linkedAt: clock.now }).run()
        chain.setBalance(address, typeof tokens === 'bigint' ? tokens : parseUnits(String(tokens), 18))
        addresses.push(address)
      }
      return {
        user,
        accountId,
        identityId,
        addresses,
        identity: `telegram:${name}`,
        run: (text: string) => pipeline.runText(user, chat, text),
        press: (actionId: string) => pipeline.press(user, chat, actionId),
        vote: (proposalId: string, choice: string | number | number[] | Record<string, number>) =>
          governance.vote({ accountId, identity: `telegram:${name}`, proposalId, choice }),
      }
    },
    /** An admin (console) creating a proposal through the service. */
    async propose(fields: Parameters<Governance['propose']>[0]['fields']) {
      const admin = identities.ensure({ platform: 'console', id: 'operator', name: 'operator' }, clock.now)
      return governance.propose({ accountId: admin.accountId, isAdmin: true, fields })
    },
    outbox: () => db.select().from(notifications).orderBy(asc(notifications.id)).all(),
  }
}

export type GovernanceHarness = ReturnType<typeof createGovernanceHarness>
