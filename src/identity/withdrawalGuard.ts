import { eq } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { accounts } from '../db/schema/identity.ts'
import type { Wallet } from '../db/schema/wallets.ts'
import { UserError } from '../errors/AppError.ts'
import { assertNotFrozen, securityHoldMs } from './AccountSecurity.ts'
import { utcMinute } from '../time/utcMinute.ts'

/** Money leaves an account only by its owner's will: not while frozen, not during
 *  the hold after a security change, and only to a wallet linked longer than the hold.
 *  @throws UserError ACCOUNT_FROZEN, SECURITY_HOLD, WALLET_TOO_NEW */
export function assertWithdrawalAllowed(db: Db, { accountId, wallet, now }: { accountId: number; wallet: Pick<Wallet, 'address' | 'linkedAt'>; now: number }): void {
  assertNotFrozen(db, accountId, 'withdrawing')
  const holdUntil = db.select({ until: accounts.securityHoldUntil }).from(accounts).where(eq(accounts.id, accountId)).get()?.until ?? null
  if (holdUntil !== null && now < holdUntil)
    throw new UserError(
      `After a security change on your account, withdrawals wait until ${utcMinute(holdUntil)}; try again then, or /freeze if you did not make the change.`,
      'SECURITY_HOLD',
    )
  const hold = securityHoldMs(db)
  if (wallet.linkedAt > now - hold)
    throw new UserError(
      `${wallet.address} was linked at ${utcMinute(wallet.linkedAt)}; withdrawals go only to wallets linked at least ${hold / 3600_000} hours, so it can receive from ${utcMinute(wallet.linkedAt + hold)}.`,
      'WALLET_TOO_NEW',
    )
}
