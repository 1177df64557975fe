import type { PrivateKeyAccount } from 'viem/accounts'
import type { ChatUser } from '../../src/command/CommandContext.ts'
import type { EnsureDevChainReturnType } from '../../src/chain/ensureDevChain.ts'
import { available, system, type BalanceKey } from '../../src/ledger/balanceKeys.ts'
import type { TestChain } from '../chain/testChain.ts'
import { createMoneyHarness } from '../support/moneyHarness.ts'

export const HOUR = 3600_000
export const T0 = Date.UTC(2026, 10, 30, 9, 0)

/** The money harness on a clock the test moves, plus the few moves every security test makes. */
export function createSecurityKit(chain: TestChain, dev: EnsureDevChainReturnType) {
  const clock = { now: T0 }
  const h = createMoneyHarness(chain, dev, { clock: () => clock.now })
  let funding = 0
  const kit = {
    ...h,
    clock,
    /** The page's path: GET the message for this wallet, sign it, POST it. */
    async signLink(token: string, wallet: PrivateKeyAccount) {
      const view = h.linking.describeChallenge(token, wallet.address)
      return h.linking.verify({ token, address: wallet.address, signature: await wallet.signMessage({ message: view.message! }) })
    },
    /** /link from this chat user, signed with this wallet. */
    async link(user: ChatUser, wallet: PrivateKeyAccount) {
      const { identityId } = h.identity(user)
      return kit.signLink(h.linking.createChallenge({ identityId }).token, wallet)
    },
    fund(accountId: number, amount: bigint, key: BalanceKey = available(accountId)) {
      h.ledger.post({ kind: 'test.fund', idempotencyKey: `fund:${++funding}`, entries: [{ key: system('treasury'), amount: -amount }, { key, amount }], now: clock.now })
    },
    /** The outbox texts addressed to an account, oldest first. */
    messagesTo(accountId: number): string[] {
      const rows = h.sqlite.prepare('select reply from notifications where account_id = ? order by id').all(accountId) as { reply: string }[]
      return rows.map((r) => (JSON.parse(r.reply) as { text: string }).text)
    },
    /** Buttons of a kind in the outbox, with the account that owns them. */
    buttons(name: string): { owner: string; id: string }[] {
      return h.sqlite.prepare('select owner_user_id as owner, id from actions where name = ? and owner_platform = ? order by rowid').all(name, 'account') as { owner: string; id: string }[]
    },
    mergeRequests(): { id: string; status: string; awaiting: string; requester: number; target: number }[] {
      return h.sqlite
        .prepare('select id, status, awaiting, requester_account_id as requester, target_account_id as target from merge_requests order by created_at')
        .all() as { id: string; status: string; awaiting: string; requester: number; target: number }[]
    },
    accountOf: (user: ChatUser) => h.identity(user).accountId,
  }
  return kit
}
