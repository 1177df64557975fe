import { pino } from 'pino'
import { DepositWatcher } from '../../src/chain/DepositWatcher.ts'
import { PayoutSender } from '../../src/chain/PayoutSender.ts'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { ChatIdentities } from '../../src/identity/ChatIdentities.ts'
import { WalletLinking } from '../../src/identity/WalletLinking.ts'
import { Ledger } from '../../src/ledger/Ledger.ts'
import { TokenUnits } from '../../src/ledger/TokenUnits.ts'
import type { ChatUser } from '../../src/command/CommandContext.ts'
import type { TestChain } from '../chain/testChain.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'

/** The money services wired as the app wires them, on a real anvil and an in-memory SQLite. */
export function createMoneyHarness(
  chain: TestChain,
  dev: EnsureDevChainReturnType,
  options: { confirmations?: number; publicUrl?: string; chainId?: number; clock?: () => number; scanFrom?: bigint } = {},
) {
  const { db, sqlite, close } = openDatabase(':memory:')
  const clock = options.clock ?? (() => Date.now())
  const logger = pino({ level: 'silent' })
  const ledger = new Ledger(db)
  const units = new TokenUnits(dev.symbol, dev.decimals)
  const identities = new ChatIdentities(db)
  const linkingDeps = {
    db,
    ledger,
    units,
    clock,
    publicUrl: options.publicUrl ?? 'http://localhost:8787',
    chainId: options.chainId ?? chain.chainId,
    verifySiweMessage: (params: Parameters<typeof chain.publicClient.verifySiweMessage>[0]) => chain.publicClient.verifySiweMessage(params),
  }
  const linking = new WalletLinking(linkingDeps)
  const payoutDeps = {
    db,
    ledger,
    units,
    publicClient: chain.publicClient,
    walletClient: chain.walletClient,
    logger,
    clock,
    token: dev.token,
    confirmations: 1,
  }
  const deposits = new DepositWatcher({
    db,
    ledger,
    units,
    publicClient: chain.publicClient,
    logger,
    clock,
    token: dev.token,
    treasury: chain.treasury,
    confirmations: options.confirmations ?? 0,
  })
  deposits.initCursor(options.scanFrom ?? dev.deployBlock)
  return {
    db,
    sqlite,
    close,
    ledger,
    units,
    linking,
    linkingDeps,
    deposits,
    payouts: new PayoutSender(payoutDeps),
    payoutDeps,
    /** The identity (and account) of a chat user, created on first use. */
    identity: (user: ChatUser) => identities.ensure(user, clock()),
  }
}
