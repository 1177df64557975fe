import type { Database } from 'better-sqlite3'
import { erc20Abi, getAddress, parseAbiItem, zeroAddress, type Address, type PublicClient } from 'viem'
import { renderTelegramReply } from '../../src/chat/telegram/renderTelegramReply.ts'
import type { Reply } from '../../src/command/reply.ts'
import { checkLedger } from '../../src/ledger/checkLedger.ts'
import type { RecordedCall } from '../../test/chat/telegram/LocalBotApi.ts'
import { INTERRUPTED_SEND } from '../../src/notify/Notifier.ts'

const TRANSFER = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)')
/** A rental past its end gets this long to be settled by the expiry job. */
const SETTLE_GRACE_MS = 120_000

export interface InvariantInputs {
  sqlite: Database
  publicClient: PublicClient
  token: Address
  treasury: Address
  deployBlock: bigint
  /** Every Bot API call the local server answered, across all product runs. */
  botCalls: readonly RecordedCall[]
  /** Opens an outbox reply as stored (some are sealed with the data directory's key). */
  readReply: (stored: string) => Reply
  now: number
}

export interface InvariantReport {
  violations: string[]
  figures: Record<string, string>
}

/** Proves, from the SQLite file and the chain alone, that the soak lost or
 *  doubled nothing. Returns one sentence per violation. */
export async function checkInvariants(inputs: InvariantInputs): Promise<InvariantReport> {
  const violations: string[] = []
  const figures: Record<string, string> = {}
  for (const problem of checkLedger(inputs.sqlite)) violations.push(`ledger: ${problem}`)
  await checkTreasury(inputs, violations, figures)
  checkNotifications(inputs, violations, figures)
  checkRentals(inputs, violations, figures)
  return { violations, figures }
}

type Log = { txHash: string; logIndex: number; from: Address; to: Address; value: bigint }

async function transferLogs({ publicClient, token, treasury, deployBlock }: InvariantInputs, side: 'from' | 'to'): Promise<Log[]> {
  const logs = await publicClient.getLogs({ address: token, event: TRANSFER, args: { [side]: treasury }, fromBlock: deployBlock, toBlock: 'latest' })
  return logs.map((l) => ({ txHash: l.transactionHash!.toLowerCase(), logIndex: l.logIndex!, from: getAddress(l.args.from!), to: getAddress(l.args.to!), value: l.args.value! }))
}

/** The treasury's token balance is what was minted to it, plus the recorded
 *  deposits, minus the confirmed payouts; each Transfer is explained by
 *  exactly one row, and each row by exactly one Transfer. */
async function checkTreasury(inputs: InvariantInputs, violations: string[], figures: Record<string, string>): Promise<void> {
  const { sqlite, publicClient, token, treasury } = inputs
  const incoming = await transferLogs(inputs, 'to')
  const outgoing = await transferLogs(inputs, 'from')
  const minted = incoming.filter((l) => l.from === zeroAddress).reduce((sum, l) => sum + l.value, 0n)
  const depositLogs = new Map(incoming.filter((l) => l.from !== zeroAddress).map((l) => [`${l.txHash}:${l.logIndex}`, l]))

  const deposits = sqlite.prepare('select tx_hash as txHash, log_index as logIndex, amount, status from deposits').all() as { txHash: string; logIndex: number; amount: string; status: string }[]
  let depositedTotal = 0n
  for (const row of deposits) {
    const key = `${row.txHash.toLowerCase()}:${row.logIndex}`
    const log = depositLogs.get(key)
    depositedTotal += BigInt(row.amount)
    if (!log) violations.push(`deposit ${key} (${row.amount}, ${row.status}) is recorded but no such Transfer to the treasury is on chain`)
    else if (log.value !== BigInt(row.amount)) violations.push(`deposit ${key} is recorded as ${row.amount} but the chain says ${log.value}`)
    depositLogs.delete(key)
  }
  for (const [key, log] of depositLogs) violations.push(`Transfer ${key} of ${log.value} from ${log.from} to the treasury was never recorded as a deposit`)

  const payouts = sqlite
    .prepare('select id, kind, status, tx_hash as txHash, nonce, batch_id as batchId, to_address as toAddress, amount from payouts')
    .all() as { id: string; kind: string; status: string; txHash: string | null; nonce: number | null; batchId: string | null; toAddress: string; amount: string }[]
  const unmatched = new Map<string, Log[]>()
  for (const log of outgoing) unmatched.set(log.txHash, [...(unmatched.get(log.txHash) ?? []), log])
  let paidTotal = 0n
  const txOfNonce = new Map<number, string>()
  const batchOfTx = new Map<string, string | null>()
  for (const payout of payouts) {
    if (payout.status === 'pending' || payout.status === 'submitted') violations.push(`payout ${payout.id} (${payout.kind}) is still ${payout.status} after the drain`)
    if (payout.status !== 'confirmed') continue
    paidTotal += BigInt(payout.amount)
    const hash = payout.txHash?.toLowerCase()
    if (!hash) {
      violations.push(`payout ${payout.id} is confirmed without a tx hash`)
      continue
    }
    const logs = unmatched.get(hash) ?? []
    const index = logs.findIndex((l) => l.to === getAddress(payout.toAddress) && l.value === BigInt(payout.amount))
    if (index < 0) violations.push(`confirmed payout ${payout.id} (${payout.amount} to ${payout.toAddress}) has no matching Transfer in ${hash}`)
    else logs.splice(index, 1)
    // One nonce, one transaction; one transaction, one batch (a Disperse call pays several).
    if (payout.nonce !== null) {
      const seen = txOfNonce.get(payout.nonce)
      if (seen !== undefined && seen !== hash) violations.push(`nonce ${payout.nonce} was used by two confirmed transactions (${seen}, ${hash})`)
      txOfNonce.set(payout.nonce, hash)
    }
    if (batchOfTx.has(hash) && (batchOfTx.get(hash) === null || batchOfTx.get(hash) !== payout.batchId)) violations.push(`payout ${payout.id} shares tx ${hash} with another payout outside its batch`)
    batchOfTx.set(hash, payout.batchId)
  }
  for (const logs of unmatched.values())
    for (const log of logs) violations.push(`Transfer ${log.txHash}:${log.logIndex} of ${log.value} from the treasury to ${log.to} matches no confirmed payout (sent twice, or sent and forgotten)`)

  const balance = await publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [treasury] })
  const expected = minted + depositedTotal - paidTotal
  if (balance !== expected) violations.push(`the treasury holds ${balance} on chain, but minted ${minted} + deposits ${depositedTotal} − confirmed payouts ${paidTotal} = ${expected}`)
  figures['treasury balance (base units)'] = balance.toString()
  figures['deposits recorded'] = `${deposits.length} (${depositedTotal})`
  figures['payouts confirmed'] = `${payouts.filter((p) => p.status === 'confirmed').length} of ${payouts.length} (${paidTotal})`
  figures['Transfers in / out of the treasury'] = `${incoming.length} / ${outgoing.length}`
}

/** Every notification reached each Telegram destination exactly once: the
 *  outbox's sent deliveries, rendered as the adapter renders them, match the
 *  sendMessage calls the local Bot API answered, one for one. */
function checkNotifications({ sqlite, botCalls, readReply }: InvariantInputs, violations: string[], figures: Record<string, string>): void {
  const unplanned = sqlite.prepare('select count(*) as n from notifications where fanned_out_at is null').get() as { n: number }
  if (unplanned.n > 0) violations.push(`${unplanned.n} notifications were never fanned out to their destinations`)
  const rows = sqlite
    .prepare(`select d.id, d.destination, d.status, d.kind, d.last_error as lastError, n.reply from deliveries d join notifications n on n.id = d.notification_id where d.platform = 'telegram'`)
    .all() as { id: number; destination: string; status: string; kind: string; lastError: string | null; reply: string }[]
  const expected = new Map<string, number>()
  // Sent again after a crash caught them mid-send: the first send may have arrived (no chat API takes an idempotency key).
  const interrupted = new Map<string, number>()
  const counts: Record<string, number> = {}
  for (const row of rows) {
    counts[row.status] = (counts[row.status] ?? 0) + 1
    if (row.status === 'pending' || row.status === 'sending') violations.push(`delivery ${row.id} to telegram:${row.destination} is still ${row.status} after the drain`)
    if (row.status !== 'sent') continue
    const first = renderTelegramReply(readReply(row.reply)).parts[0]!
    const key = `${row.destination}\u0000${first}`
    expected.set(key, (expected.get(key) ?? 0) + 1)
    if (row.lastError === INTERRUPTED_SEND) interrupted.set(key, (interrupted.get(key) ?? 0) + 1)
  }
  let resentAfterCrash = 0
  const actual = new Map<string, number>()
  for (const call of botCalls) {
    if (call.method !== 'sendMessage' || call.ok !== true) continue
    const key = `${call.payload.chat_id}\u0000${call.payload.text}`
    if (expected.has(key)) actual.set(key, (actual.get(key) ?? 0) + 1)
  }
  for (const [key, want] of expected) {
    const got = actual.get(key) ?? 0
    const [chat, text] = key.split('\u0000')
    if (got < want) violations.push(`telegram:${chat} got "${text!.slice(0, 80)}" ${got} times; the outbox marked ${want} deliveries of it sent`)
    const mayRepeat = interrupted.get(key) ?? 0
    if (got > want && got <= want + mayRepeat) resentAfterCrash += got - want
    else if (got > want) violations.push(`telegram:${chat} got "${text!.slice(0, 80)}" ${got} times; the outbox has ${want} deliveries of it (delivered twice)`)
  }
  figures['sent again after a crash mid-send (at least once)'] = String(resentAfterCrash)
  figures['notification deliveries (telegram)'] = Object.entries(counts).map(([status, n]) => `${status} ${n}`).join(', ') || 'none'
}

/** No rental is left running, unsettled, past its end; every settled one splits its escrow exactly. */
function checkRentals({ sqlite, now }: InvariantInputs, violations: string[], figures: Record<string, string>): void {
  const rows = sqlite.prepare('select id, status, ends_at as endsAt, claim_by as claimBy, escrowed, charged, refunded from rentals').all() as {
    id: string
    status: string
    endsAt: number | null
    claimBy: number
    escrowed: string
    charged: string | null
    refunded: string | null
  }[]
  const byStatus: Record<string, number> = {}
  for (const r of rows) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1
    const active = ['pending', 'provisioning', 'running'].includes(r.status)
    if (active && r.endsAt !== null && r.endsAt < now - SETTLE_GRACE_MS) violations.push(`rental ${r.id} is still ${r.status} though it ended at ${new Date(r.endsAt).toISOString()}`)
    if (active && r.status === 'pending' && r.claimBy < now - SETTLE_GRACE_MS) violations.push(`rental ${r.id} is still pending though its claim deadline passed at ${new Date(r.claimBy).toISOString()}`)
    if (!active && r.charged !== null && r.refunded !== null && BigInt(r.charged) + BigInt(r.refunded) !== BigInt(r.escrowed))
      violations.push(`rental ${r.id} (${r.status}) charged ${r.charged} + refunded ${r.refunded} ≠ escrowed ${r.escrowed}`)
  }
  figures['rentals by status'] = Object.entries(byStatus).map(([status, n]) => `${status} ${n}`).join(', ') || 'none'
}
