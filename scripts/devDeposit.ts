import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createWalletClient, defineChain, erc20Abi, http, parseUnits, type Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../src/chain/devAccounts.ts'

/** Sends GRID from a dev account to the treasury on the embedded dev chain.
 *  npm run --silent wallet:deposit -- <rpc url printed at start> <amount> [dev account index, default 1] */
const [rpcUrl, amount, index = '1'] = process.argv.slice(2)
if (!rpcUrl || !/^https?:\/\//.test(rpcUrl) || !amount || !/^\d+(\.\d+)?$/.test(amount) || !/^\d$/.test(index)) {
  process.stderr.write('Usage: npm run --silent wallet:deposit -- <rpc url> <amount, e.g. 100> [dev account 0-9, default 1]\n')
  process.exit(2)
}
const dataDir = process.env.DATABASE_PATH ? join(process.env.DATABASE_PATH, '..') : './data'
const { token } = JSON.parse(readFileSync(join(dataDir, 'devchain.json'), 'utf8')) as { token: Address }
const [treasury, ...rest] = devAccounts(10)
const account = privateKeyToAccount(([treasury, ...rest][Number(index)] ?? treasury)!.privateKey)
const chain = defineChain({ id: 31337, name: 'dev', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } })
const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) })
const hash = await wallet.writeContract({ address: token, abi: erc20Abi, functionName: 'transfer', args: [treasury!.address, parseUnits(amount, 18)] })
process.stdout.write(`Sent ${amount} GRID from ${account.address} to the treasury: ${hash}\n`)
