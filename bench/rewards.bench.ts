import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { erc20Abi, parseUnits, type Address } from 'viem'
import { createChainClients } from '../src/chain/chainClients.ts'
import { devAccounts } from '../src/chain/devAccounts.ts'
import { ensureDevChain } from '../src/chain/ensureDevChain.ts'
import { sendDisperse } from '../src/chain/sendDisperse.ts'
import { startAnvil } from '../src/chain/startAnvil.ts'
import { openDatabase } from '../src/db/openDatabase.ts'
import { ProtocolParameters } from '../src/governance/ProtocolParameters.ts'
import { Ledger } from '../src/ledger/Ledger.ts'
import { TokenUnits } from '../src/ledger/TokenUnits.ts'
import { BUCKET_MS } from '../src/market/NodeRegistry.ts'
import { Epochs } from '../src/rewards/Epochs.ts'
import type { BenchRow } from './measure.ts'

const DAY = 24 * 3600_000
const MODELS = ['H100-80GB', 'A100-80GB', 'RTX4090-24GB', 'L40S-48GB', 'H200-141GB']

/** Closing a one-day epoch for 10,000 providers / 50,000 GPUs at 5-minute
 *  buckets (2.88 M uptime rows), and gas per recipient of batched payouts. */
export default async function (): Promise<BenchRow[]> {
  const { db, sqlite } = openDatabase(join(mkdtempSync(join(tmpdir(), 'gs-bench-')), 'epoch.db'))
  const start = Date.UTC(2026, 10, 1)
  sqlite.exec('begin')
  const provider = sqlite.prepare('insert into providers (id, address, created_at) values (?, ?, 0)')
  const account = sqlite.prepare('insert into accounts (id, created_at) values (?, 0)')
  const wallet = sqlite.prepare('insert into wallets (address, account_id, linked_at) values (?, ?, 0)')
  const node = sqlite.prepare("insert into nodes (id, provider_id, node_key, region, price_per_gpu_hour, online, last_heartbeat_at, registered_at) values (?, ?, 'k', 'eu-west', '1', 1, 0, 0)")
  const gpu = sqlite.prepare("insert into node_gpus (node_id, model, memory_mb, total, allocated, region, price_per_gpu_hour, price_sort, reliability, online) values (?, ?, 81920, 5, 0, 'eu-west', '1', '1', 1, 1)")
  const bucket = sqlite.prepare('insert into uptime_buckets (node_id, bucket_start, gpus, rented_gpus) values (?, ?, 5, 0)')
  const hour = sqlite.prepare('insert into uptime_hours (node_id, hour_start, buckets, gpus) values (?, ?, 1, 5) on conflict do update set buckets = buckets + 1, gpus = gpus + 5')
  for (let i = 1; i <= 10_000; i++) {
    const address = `0x${i.toString(16).padStart(40, '0')}`
    account.run(i)
    provider.run(i, address)
    wallet.run(address, i)
    node.run(`n${i}`, i)
    gpu.run(`n${i}`, MODELS[i % MODELS.length])
    // Every node misses a few buckets so uptimes differ.
    for (let t = start; t < start + DAY; t += BUCKET_MS) {
      if ((t / BUCKET_MS + i) % 97 === 0) continue
      bucket.run(`n${i}`, t)
      hour.run(`n${i}`, Math.floor(t / 3600_000) * 3600_000)
    }
  }
  sqlite.exec("insert into chain_cursors (name, block) values ('epochs.genesis', " + start + ')')
  sqlite.exec('commit')
  const epochs = new Epochs({
    db,
    ledger: new Ledger(db),
    units: new TokenUnits('GRID', 18),
    params: new ProtocolParameters(db),
    clock: () => start + DAY,
    logger: pino({ level: 'silent' }),
    epochCron: '0 0 * * *',
    publicUrl: 'http://localhost:8787',
  })
  const t0 = performance.now()
  const closed = epochs.close(start + DAY)
  const closeSeconds = (performance.now() - t0) / 1000
  const paid = (sqlite.prepare('select count(*) as n from payouts where batch_id = ?').get(`epoch:${closed.number}`) as { n: number }).n

  const anvil = await startAnvil()
  try {
    const chain = await createChainClients({ rpcUrl: anvil.rpcUrl, treasuryPrivateKey: devAccounts(1)[0]!.privateKey, pollingInterval: 50 })
    const dev = await ensureDevChain(chain, { recordFile: join(mkdtempSync(join(tmpdir(), 'gs-bench-')), 'devchain.json') })
    const recipients = Array.from({ length: 100 }, (_, i) => `0x${(0xbe000 + i).toString(16).padStart(40, '0')}` as Address)
    let nonce = await chain.publicClient.getTransactionCount({ address: chain.treasury, blockTag: 'pending' })
    const batch = await sendDisperse(chain, { token: dev.token, disperse: dev.disperse, payouts: recipients.map((to) => ({ to, value: parseUnits('1', 18) })), nonce })
    nonce = batch.nextNonce
    const batchGas = (await chain.publicClient.waitForTransactionReceipt({ hash: batch.txHash })).gasUsed
    const single = await chain.walletClient.writeContract({ address: dev.token, abi: erc20Abi, functionName: 'transfer', args: [`0x${'cd'.repeat(20)}`, parseUnits('1', 18)], nonce })
    const singleGas = (await chain.publicClient.waitForTransactionReceipt({ hash: single })).gasUsed
    const perRecipient = Number(batchGas) / recipients.length
    return [
      { name: 'epoch close: 10,000 providers / 50,000 GPUs, 2.88 M buckets', opsPerSecond: 10_000 / closeSeconds, note: `${closeSeconds.toFixed(2)} s, ${paid} payouts` },
      {
        name: 'batched payout gas per recipient (100 per Disperse tx)',
        opsPerSecond: 0,
        note: `${Math.round(perRecipient).toLocaleString('en-US')} gas vs ${Number(singleGas).toLocaleString('en-US')} for a single transfer (${Math.round((perRecipient / Number(singleGas)) * 100)}%)`,
      },
    ]
  } finally {
    await anvil.stop()
  }
}
