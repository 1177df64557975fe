import { Writable } from 'node:stream'
import { pino } from 'pino'
import type { Address } from 'viem'
import type { PrivateKeyAccount } from 'viem/accounts'
import type { PayoutSenderDeps } from '../../src/chain/PayoutSender.ts'
import { available, system } from '../../src/ledger/balanceKeys.ts'
import type { TestChain } from '../chain/testChain.ts'
import type { createMoneyHarness } from './moneyHarness.ts'
import type { createRewardsHarness } from './rewardsHarness.ts'

/** A logger whose warning and error lines the test can read (the operator's only signal). */
export function capturedLogger() {
  const lines: { level: number; msg: string }[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: number; msg: string })
      done()
    },
  })
  return { logger: pino({ level: 'warn' }, stream), lines }
}

/** A Discord user with `wallet` linked long ago and `amount` available: these tests are about
 *  sending and settling, not the security hold a fresh link starts (test/identity covers that). */
export async function fundedHolder(h: ReturnType<typeof createMoneyHarness>, user: { id: string; name: string }, wallet: PrivateKeyAccount, amount: bigint): Promise<number> {
  const { identityId, accountId } = h.identity({ platform: 'discord', ...user })
  const challenge = h.linking.createChallenge({ identityId, address: wallet.address })
  await h.linking.verifyLatest({ identityId, signature: await wallet.signMessage({ message: challenge.message! }) })
  h.sqlite.prepare('update wallets set linked_at = linked_at - ? where account_id = ?').run(48 * 3600_000, accountId)
  h.sqlite.prepare('update accounts set security_hold_until = null where id = ?').run(accountId)
  h.ledger.post({ kind: 'test.fund', idempotencyKey: `fund:${accountId}`, entries: [{ key: system('treasury'), amount: -amount }, { key: available(accountId), amount }], now: 1 })
  return accountId
}

/** A payout sender's deps for a harness's database on a test chain: one transfer per payout
 *  (no Disperse) and one confirmation unless `overrides` say otherwise. */
export function onChainPayoutDeps(
  h: Pick<ReturnType<typeof createRewardsHarness>, 'db' | 'ledger' | 'units' | 'clock'>,
  chain: TestChain,
  token: Address,
  overrides: Partial<PayoutSenderDeps> = {},
): PayoutSenderDeps {
  return {
    db: h.db,
    ledger: h.ledger,
    units: h.units,
    publicClient: chain.publicClient,
    walletClient: chain.walletClient,
    logger: pino({ level: 'silent' }),
    clock: () => h.clock.now,
    token,
    disperse: undefined,
    confirmations: 1,
    ...overrides,
  }
}
