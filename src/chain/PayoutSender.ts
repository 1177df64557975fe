import { randomBytes } from 'node:crypto'
import { and, asc, eq, max } from 'drizzle-orm'
import { encodeFunctionData, erc20Abi, keccak256, parseTransaction, type Address, type Hex } from 'viem'
import { disperseArtifact } from './contractArtifacts.ts'
import { ensureDisperseAllowance } from './ensureDisperseAllowance.ts'
import type { Logger } from '../app/logger.ts'
import type { Db } from '../db/openDatabase.ts'
import { payouts } from '../db/schema/chain.ts'
import { wallets } from '../db/schema/wallets.ts'
import { UserError } from '../errors/AppError.ts'
import { assertWithdrawalAllowed } from '../identity/withdrawalGuard.ts'
import { available, earnings, system } from '../ledger/balanceKeys.ts'
import type { Ledger } from '../ledger/Ledger.ts'
import { NegativeBalanceError } from '../ledger/LedgerErrors.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import type { ChainPublicClient, TreasuryWalletClient } from './chainClients.ts'
import { getTxOutcome } from './getTxOutcome.ts'
import { durably } from '../db/durably.ts'
import { assertNotFrozen } from '../identity/AccountSecurity.ts'

export type Payout = typeof payouts.$inferSelect

export interface PayoutSenderDeps {
  db: Db
  ledger: Ledger
  units: TokenUnits
  publicClient: ChainPublicClient
  walletClient: TreasuryWalletClient
  logger: Logger
  clock: () => number
  token: Address
  /** The Disperse contract: reward payouts of one batch go out in one transaction. */
  disperse?: Address
  /** Recipients per disperse transaction. */
  batchSize?: number
  publicUrl?: string
  /** Blocks before a payout counts as confirmed (1 = mined). */
  confirmations: number
  explorerUrl?: string
  /** A transaction still unmined after this long is replaced with higher fees (same nonce). */
  stuckAfterMs?: number
  /** Test seam: runs after a payout is recorded as submitted and before it is broadcast. */
  afterRecordSubmitted?: (payout: Payout) => void
}

/** Sends token payouts from the treasury: pending → submitted (tx hash, nonce,
 *  signed bytes, written before broadcast) → confirmed. After a crash,
 *  process() rebroadcasts the same signed bytes, so one payout is one transfer. */
export class PayoutSender {
  constructor(private readonly deps: PayoutSenderDeps) {}

  /** Moves the amount from available to pending payouts and queues the transfer.
   *  @throws UserError: no linked wallet, insufficient balance */
  requestWithdrawal({ accountId, amount, to }: { accountId: number; amount: bigint; to?: Address }): Payout {
    const { db, ledger, units, clock } = this.deps
    const now = clock()
    const linked = db.select().from(wallets).where(eq(wallets.accountId, accountId)).orderBy(asc(wallets.linkedAt)).all()
    if (linked.length === 0) throw new UserError('You have no linked wallet to withdraw to; use /link first.', 'NO_WALLET')
    // With several wallets the owner names one: a wallet someone else linked through a leaked
    // link must never become the silent default.
    assertNotFrozen(db, accountId, 'withdrawing')
    if (!to && linked.length > 1)
      throw new UserError(`You have ${linked.length} linked wallets; say which one receives it: /withdraw <amount> <address> (/wallet lists them).`, 'WHICH_WALLET')
    const wallet = to ? linked.find((w) => w.address.toLowerCase() === to.toLowerCase()) : linked[0]
    if (!wallet) throw new UserError(`${to} is not one of your linked wallets; /wallet lists them.`, 'NOT_YOUR_WALLET')
    const id = `w${randomBytes(4).toString('hex')}`
    return db.transaction((tx) => {
      // Checked in the transaction that moves the money: a freeze from another process cannot slip between.
      assertWithdrawalAllowed(tx, { accountId, wallet, now })
      try {
        ledger.post({
          kind: 'withdrawal',
          idempotencyKey: `withdrawal:${id}`,
          entries: [
            { key: available(accountId), amount: -amount },
            { key: system('payouts_pending'), amount },
          ],
          now,
        })
      } catch (error) {
        if (!(error instanceof NegativeBalanceError)) throw error
        const have = ledger.balance(available(accountId))
        throw new UserError(`You asked to withdraw ${units.display(amount)} but have ${units.display(have)} available.`, 'INSUFFICIENT_BALANCE')
      }
      return tx
        .insert(payouts)
        .values({ id, kind: 'withdrawal', accountId, toAddress: wallet.address, amount: amount.toString(), status: 'pending', createdAt: now })
        .returning()
        .get()
    })
  }

  /** Settles submitted payouts from what the chain says, then sends pending ones. */
  async process(): Promise<{ sent: number; confirmed: number; failed: number }> {
    const counts = { sent: 0, confirmed: 0, failed: 0 }
    // Settle what is already signed first: its nonces come before any new one.
    await this.settleGroups(this.submittedGroups(), counts)
    const pending = this.deps.db.select().from(payouts).where(eq(payouts.status, 'pending')).orderBy(asc(payouts.createdAt), asc(payouts.id)).all()
    const groups: Payout[][] = []
    const batches = new Map<string, Payout[]>()
    for (const payout of pending) {
      if (payout.batchId && this.deps.disperse) batches.set(payout.batchId, [...(batches.get(payout.batchId) ?? []), payout])
      else groups.push([payout])
    }
    const size = this.deps.batchSize ?? 200
    for (const batch of batches.values()) for (let i = 0; i < batch.length; i += size) groups.push(batch.slice(i, i + size))
    const sentHashes = new Set<string>()
    for (const group of groups) {
      try {
        const txHash = await this.submit(group)
        if (txHash) sentHashes.add(txHash)
        counts.sent += group.length
      } catch (error) {
        // One failing send (RPC down, treasury short) must not hold up the others; it is retried next run.
        if (error instanceof Halt) throw error
        this.deps.logger.error({ err: error, payouts: group.map((p) => p.id) }, 'payout could not be sent; retrying next run')
      }
    }
    // Only what this run sent: the rest was asked about above.
    await this.settleGroups(
      this.submittedGroups().filter((rows) => sentHashes.has(rows[0]!.txHash!)),
      counts,
    )
    return counts
  }

  private async settleGroups(groups: Payout[][], counts: { confirmed: number; failed: number }): Promise<void> {
    for (const rows of groups) {
      let outcome: Awaited<ReturnType<PayoutSender['settle']>>
      try {
        outcome = await this.settle(rows)
      } catch (error) {
        // As with sends: one payout the node refuses must not hold up the others.
        if (error instanceof Halt) throw error
        this.deps.logger.error({ err: error, payouts: rows.map((p) => p.id) }, 'payout could not be settled; retrying next run')
        continue
      }
      if (outcome === 'confirmed') counts.confirmed += rows.length
      if (outcome === 'failed') counts.failed += rows.length
    }
  }

  private submittedGroups(): Payout[][] {
    const groups = new Map<string, Payout[]>()
    for (const payout of this.deps.db.select().from(payouts).where(eq(payouts.status, 'submitted')).all()) {
      groups.set(payout.txHash!, [...(groups.get(payout.txHash!) ?? []), payout])
    }
    return [...groups.values()]
  }

  get(id: string): Payout | undefined {
    return this.deps.db.select().from(payouts).where(eq(payouts.id, id)).get()
  }

  /** Signs one transaction for the payouts (a transfer, or a disperse batch),
   *  records its hash, nonce and bytes on every row, and only then broadcasts. */
  private async submit(batch: Payout[]): Promise<Hex | undefined> {
    const { db, walletClient, publicClient, token, disperse } = this.deps
    const total = batch.reduce((sum, p) => sum + BigInt(p.amount), 0n)
    // Without a Disperse contract (an external chain), every payout is its own transfer.
    const single = !this.deps.disperse || (batch.length === 1 && !batch[0]!.batchId)
    if (!single) await ensureDisperseAllowance(this.deps, { token, disperse: disperse!, amount: total, nonce: () => this.nextNonce() })
    const nonce = await this.nextNonce()
    const request = await walletClient.prepareTransactionRequest(
      single
        ? { to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [batch[0]!.toAddress as Address, total] }), nonce }
        : {
            to: disperse!,
            data: encodeFunctionData({
              abi: disperseArtifact.abi,
              functionName: 'disperseToken',
              args: [token, batch.map((p) => p.toAddress as Address), batch.map((p) => BigInt(p.amount))],
            }),
            nonce,
          },
    )
    const raw = await walletClient.signTransaction(request as Parameters<typeof walletClient.signTransaction>[0])
    const txHash = keccak256(raw)
    // On disk before the broadcast: a power loss must not forget a transaction that may be mined.
    const recorded = durably(db, () => db.transaction((tx) =>
      batch
        .map((payout) =>
          tx
            .update(payouts)
            .set({ status: 'submitted', txHash, nonce, rawTx: raw, submittedAt: this.deps.clock() })
            .where(and(eq(payouts.id, payout.id), eq(payouts.status, 'pending')))
            .returning()
            .get(),
        )
        .filter((row) => row !== undefined),
    ))
    if (recorded.length === 0) return undefined
    try {
      this.deps.afterRecordSubmitted?.(recorded[0]!)
    } catch (error) {
      throw new Halt(error)
    }
    await this.broadcast(raw, publicClient)
    return txHash
  }

  private async settle(rows: Payout[]): Promise<'confirmed' | 'failed' | 'waiting'> {
    const { publicClient, confirmations, clock, stuckAfterMs = 5 * 60_000 } = this.deps
    const first = rows[0]!
    const hashes = [first.txHash as Hex, ...(JSON.parse(first.replacedTxHashes) as Hex[])]
    // The current signed transaction, or an earlier one it replaced, may be the one mined.
    for (const hash of hashes) {
      const outcome = await getTxOutcome(publicClient, { txHash: hash, confirmations })
      if (outcome === 'confirmed' || outcome === 'reverted') {
        const status = outcome === 'confirmed' ? 'confirmed' : 'failed'
        for (const payout of rows) this.finish({ ...payout, txHash: hash }, status)
        return status
      }
      if (outcome === 'pending' && hash === first.txHash) {
        const mined = await publicClient.getTransactionReceipt({ hash }).then(() => true, () => false)
        if (!mined && clock() - (first.submittedAt ?? 0) > stuckAfterMs) await this.replace(rows)
        return 'waiting'
      }
    }
    // None of its transactions is known. If the treasury's nonce has moved past
    // it, something else may have taken that nonce — or the node is lagging on a
    // mined one. Refunding could pay twice, so an operator decides.
    const used = await publicClient.getTransactionCount({ address: this.deps.walletClient.account.address, blockTag: 'latest' })
    if (first.nonce !== null && used > first.nonce) {
      this.deps.logger.error({ payouts: rows.map((r) => r.id), nonce: first.nonce, hashes }, 'payout nonce is used but none of its transactions is known; check the treasury by hand')
      return 'waiting'
    }
    try {
      await this.broadcast(first.rawTx as Hex, publicClient)
    } catch (error) {
      // Dropped while fees spiked, and the same bytes are now under the base fee: re-price them, same nonce.
      if (!/fee|underpriced/i.test(String((error as Error)?.message ?? error))) throw error
      await this.replace(rows)
    }
    return 'waiting'
  }

  /** Re-signs a stuck transaction with the same nonce and fees raised by at least
   *  the 10% nodes require; the new hash is recorded before it is broadcast. */
  private async replace(rows: Payout[]): Promise<void> {
    const { db, walletClient, publicClient, clock } = this.deps
    const first = rows[0]!
    const previous = parseTransaction(first.rawTx as Hex)
    const fees = await publicClient.estimateFeesPerGas()
    const bump = (old: bigint | undefined, now: bigint | undefined) => {
      const raised = ((old ?? 0n) * 1125n) / 1000n + 1n
      return now !== undefined && now > raised ? now : raised
    }
    const request = {
      to: previous.to!,
      data: previous.data,
      nonce: previous.nonce!,
      gas: previous.gas,
      chainId: previous.chainId,
      type: 'eip1559' as const,
      maxFeePerGas: bump(previous.maxFeePerGas, fees.maxFeePerGas),
      maxPriorityFeePerGas: bump(previous.maxPriorityFeePerGas, fees.maxPriorityFeePerGas),
    }
    const raw = await walletClient.signTransaction(request as Parameters<typeof walletClient.signTransaction>[0])
    const txHash = keccak256(raw)
    const replaced = JSON.stringify([first.txHash, ...(JSON.parse(first.replacedTxHashes) as string[])])
    durably(db, () =>
      db.update(payouts)
        .set({ txHash, rawTx: raw, submittedAt: clock(), replacedTxHashes: replaced })
        .where(and(eq(payouts.txHash, first.txHash!), eq(payouts.status, 'submitted')))
        .run(),
    )
    this.deps.logger.warn({ payouts: rows.map((r) => r.id), nonce: previous.nonce, replaced: first.txHash, txHash }, 'payout transaction was stuck; replaced with higher fees')
    await this.broadcast(raw, publicClient)
  }

  private finish(payout: Payout, status: 'confirmed' | 'failed'): void {
    const { db, ledger, units, clock } = this.deps
    const now = clock()
    const amount = BigInt(payout.amount)
    db.transaction((tx) => {
      const done = tx
        .update(payouts)
        .set({ status, confirmedAt: now, txHash: payout.txHash })
        .where(and(eq(payouts.id, payout.id), eq(payouts.status, 'submitted')))
        .run()
      if (done.changes === 0) return
      ledger.post({
        kind: status === 'confirmed' ? 'payout.confirmed' : 'payout.failed',
        idempotencyKey: `payout.${status}:${payout.id}`,
        entries: [
          { key: system('payouts_pending'), amount: -amount },
          { key: status === 'confirmed' ? system('treasury') : payout.kind === 'reward' ? earnings(payout.accountId) : available(payout.accountId), amount },
        ],
        now,
      })
      const link = this.deps.explorerUrl ? `${this.deps.explorerUrl.replace(/\/$/, '')}/tx/${payout.txHash}` : payout.txHash!
      const statement = payout.batchId?.startsWith('epoch:') && this.deps.publicUrl ? ` Statement: ${this.deps.publicUrl}/api/v1/epochs/${payout.batchId.slice(6)}` : ''
      enqueueNotification(tx, {
        dedupeKey: `payout.${status}:${payout.id}`,
        accountId: payout.accountId,
        topic: 'payments',
        reply: {
          text:
            status === 'confirmed'
              ? `${payout.kind === 'withdrawal' ? 'Withdrawal' : 'Reward payout'} of ${units.display(amount)} to ${payout.toAddress} confirmed: ${link}${statement}`
              : `${payout.kind === 'withdrawal' ? 'Withdrawal' : 'Payout'} of ${units.display(amount)} failed on-chain and was returned to your balance (${link}).`,
        },
        now,
      })
    })
  }

  /** The chain's pending nonce, or one past the last we signed, whichever is higher. */
  private async nextNonce(): Promise<number> {
    const { publicClient, walletClient, db } = this.deps
    const onChain = await publicClient.getTransactionCount({ address: walletClient.account.address, blockTag: 'pending' })
    const recorded = db.select({ last: max(payouts.nonce) }).from(payouts).get()?.last
    return Math.max(onChain, recorded === null || recorded === undefined ? 0 : recorded + 1)
  }

  private async broadcast(raw: Hex, publicClient: ChainPublicClient): Promise<void> {
    try {
      await publicClient.sendRawTransaction({ serializedTransaction: raw })
    } catch (error) {
      // "already known" means an earlier broadcast got through: exactly what we want.
      const text = String((error as Error)?.message ?? error)
      if (/already known|known transaction|already imported/i.test(text)) return
      if (/nonce too low/i.test(text)) {
        this.deps.logger.warn({ err: error }, 'payout nonce already used; its outcome is read from the chain next run')
        return
      }
      throw error
    }
  }
}

/** The test seam stopped the run (a simulated crash): never swallowed. */
class Halt extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause })
  }
}
