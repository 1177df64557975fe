import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createWalletClient, http, parseUnits } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createSiweMessage } from 'viem/siwe'
import { createChainClients } from '../src/chain/chainClients.ts'
import { disperseArtifact } from '../src/chain/contractArtifacts.ts'
import { devAccounts } from '../src/chain/devAccounts.ts'
import { ensureDevChain } from '../src/chain/ensureDevChain.ts'
import { readTokenTransfers } from '../src/chain/readTokenTransfers.ts'
import { startAnvil } from '../src/chain/startAnvil.ts'
import { openDatabase } from '../src/db/openDatabase.ts'
import { available, escrow } from '../src/ledger/balanceKeys.ts'
import { Ledger } from '../src/ledger/Ledger.ts'
import { measure, type BenchRow } from './measure.ts'
import { erc20Abi, maxUint256 } from 'viem'

/** Ledger postings on a real SQLite file, SIWE verification and a deposit scan on anvil. */
export default async function (): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gs-bench-'))
  const { db } = openDatabase(join(dir, 'bench.db'))
  const ledger = new Ledger(db)
  ledger.post({ kind: 'fund', idempotencyKey: 'fund', entries: [{ key: 'system:treasury', amount: -(10n ** 30n) }, ...Array.from({ length: 100 }, (_, i) => ({ key: available(i + 1), amount: 10n ** 28n }))], now: 0 })
  const transfers = await measure('ledger transfers (SQLite file, WAL)', { total: 20_000, concurrency: 1 }, (i) =>
    ledger.post({ kind: 'escrow', idempotencyKey: `t${i}`, entries: [{ key: available((i % 100) + 1), amount: -12345n }, { key: escrow((i % 100) + 1), amount: 12345n }], now: i }),
  )

  const anvil = await startAnvil()
  try {
    const keys = devAccounts(3)
    const chain = await createChainClients({ rpcUrl: anvil.rpcUrl, treasuryPrivateKey: keys[0]!.privateKey, pollingInterval: 50 })
    const account = privateKeyToAccount(keys[1]!.privateKey)
    const message = createSiweMessage({ domain: 'localhost:8787', address: account.address, uri: 'http://localhost:8787/link/x', version: '1', chainId: 31337, nonce: 'a'.repeat(32), issuedAt: new Date() })
    const signature = await account.signMessage({ message })
    const siwe = await measure('SIWE verifications (EOA, viem verifySiweMessage on anvil)', { total: 300, concurrency: 4 }, async () => {
      if (!(await chain.publicClient.verifySiweMessage({ message, signature }))) throw new Error('invalid')
    })

    const dev = await ensureDevChain(chain, { recordFile: join(dir, 'devchain.json') })
    // 10,000 deposits to the treasury, 250 per transaction through Disperse.
    const sender = createWalletClient({ account, chain: chain.publicClient.chain, transport: http(anvil.rpcUrl) })
    await chain.publicClient.waitForTransactionReceipt({ hash: await sender.writeContract({ address: dev.token, abi: erc20Abi, functionName: 'approve', args: [dev.disperse, maxUint256] }) })
    const from = await chain.publicClient.getBlockNumber({ cacheTime: 0 })
    for (let batch = 0; batch < 40; batch++) {
      const hash = await sender.writeContract({
        address: dev.disperse,
        abi: disperseArtifact.abi,
        functionName: 'disperseToken',
        args: [dev.token, Array(250).fill(chain.treasury), Array(250).fill(parseUnits('0.01', 18))],
      })
      await chain.publicClient.waitForTransactionReceipt({ hash })
    }
    const to = await chain.publicClient.getBlockNumber({ cacheTime: 0 })
    const started = performance.now()
    const logs = await readTokenTransfers(chain.publicClient, { token: dev.token, to: chain.treasury, fromBlock: from + 1n, toBlock: to })
    const seconds = (performance.now() - started) / 1000
    if (logs.length !== 10_000) throw new Error(`expected 10,000 logs, read ${logs.length}`)
    return [transfers, siwe, { name: 'deposit scan: 10,000 transfer logs', opsPerSecond: logs.length / seconds, note: `${(seconds * 1000).toFixed(0)} ms for the whole scan` }]
  } finally {
    await anvil.stop()
  }
}
