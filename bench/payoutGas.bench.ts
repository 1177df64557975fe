import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { erc20Abi, parseUnits, type Address } from 'viem'
import { createChainClients } from '../src/chain/chainClients.ts'
import { devAccounts } from '../src/chain/devAccounts.ts'
import { ensureDevChain } from '../src/chain/ensureDevChain.ts'
import { sendDisperse } from '../src/chain/sendDisperse.ts'
import { startAnvil } from '../src/chain/startAnvil.ts'
import type { BenchRow } from './measure.ts'

/** Gas per recipient of a batched reward payout (100 per Disperse transaction) against single transfers. */
export default async function (): Promise<BenchRow[]> {
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
