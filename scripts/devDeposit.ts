import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createWalletClient, defineChain, erc20Abi, http, parseUnits, type Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { DEV_CHAIN_RPC_FILE } from '../src/app/connectChain.ts'
import { devAccounts } from '../src/chain/devAccounts.ts'

/** Sends GRID from a dev account to the treasury on the embedded dev chain.
 *  npm run --silent wallet:deposit -- [rpc url] <amount> [dev account index, default 1]
 *  Without a URL it reads the running chain's from the data directory (its port changes at every start). */
const args = process.argv.slice(2)
const explicitUrl = args[0] && /^https?:\/\//.test(args[0]) ? args.shift() : undefined
const [amount, index = '1'] = args
const usage = 'Usage: npm run --silent wallet:deposit -- [rpc url, default: the running npm start] <amount, e.g. 100> [dev account 0-9, default 1]\n'
if (!amount || !/^\d+(\.\d+)?$/.test(amount) || !/^\d$/.test(index) || args.length > 2) {
  process.stderr.write(usage)
  process.exit(2)
}
const dataDir = process.env.DATABASE_PATH ? join(process.env.DATABASE_PATH, '..') : './data'
const rpcFile = join(dataDir, DEV_CHAIN_RPC_FILE)
if (!explicitUrl && !existsSync(rpcFile)) {
  process.stderr.write(`No running dev chain: ${rpcFile} is missing. Start the product with npm start (no RPC_URL), or give the chain URL.\n`)
  process.exit(1)
}
const rpcUrl = explicitUrl ?? (JSON.parse(readFileSync(rpcFile, 'utf8')) as { rpcUrl: string }).rpcUrl
const { token } = JSON.parse(readFileSync(join(dataDir, 'devchain.json'), 'utf8')) as { token: Address }
const [treasury, ...rest] = devAccounts(10)
const account = privateKeyToAccount(([treasury, ...rest][Number(index)] ?? treasury)!.privateKey)
const chain = defineChain({ id: 31337, name: 'dev', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } })
const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) })
const hash = await wallet.writeContract({ address: token, abi: erc20Abi, functionName: 'transfer', args: [treasury!.address, parseUnits(amount, 18)] })
process.stdout.write(`Sent ${amount} GRID from ${account.address} to the treasury: ${hash}\n`)
