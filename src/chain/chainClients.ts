import {
  BaseError,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type HttpTransport,
  type PublicClient,
  type WalletClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { ChainIdMismatchError, ChainUnreachableError, InvalidChainConfigError } from './chainErrors.ts'
import { redactRpcUrl } from './redactRpcUrl.ts'

export type ChainPublicClient = PublicClient<HttpTransport, Chain>
/** A wallet client whose account is the treasury: every write sends from it. */
export type TreasuryWalletClient = WalletClient<HttpTransport, Chain, Account>

export type CreateChainClientsParameters = {
  rpcUrl: string
  /** When set, start-up fails unless the node reports this chain id. */
  expectedChainId?: number | undefined
  treasuryPrivateKey: Hex
  /** How often receipts and blocks are polled, in ms. @default 4_000 (viem's default for HTTP) */
  pollingInterval?: number | undefined
}

export type ChainClients = {
  publicClient: ChainPublicClient
  walletClient: TreasuryWalletClient
  chainId: number
  treasury: Address
}

// Retries cover a node restarting or a provider's brief 429/5xx; the timeout
// keeps a hung endpoint from stalling a payout run or start-up for long.
const TRANSPORT_OPTIONS = { retryCount: 3, retryDelay: 250, timeout: 10_000 } as const

/**
 * Connects to `rpcUrl`, checks the chain id and returns clients bound to it
 * with the treasury as the wallet account.
 * @throws InvalidChainConfigError, ChainUnreachableError, ChainIdMismatchError
 */
export async function createChainClients({
  rpcUrl,
  expectedChainId,
  treasuryPrivateKey,
  pollingInterval,
}: CreateChainClientsParameters): Promise<ChainClients> {
  const safeUrl = redactRpcUrl(rpcUrl)
  if (!isHttpUrl(rpcUrl)) {
    throw new InvalidChainConfigError({ variable: 'RPC_URL', problem: `${safeUrl} is not an http(s) URL` })
  }
  const treasury = treasuryAccount(treasuryPrivateKey)
  const transport = http(rpcUrl, TRANSPORT_OPTIONS)

  let chainId: number
  try {
    chainId = await createPublicClient({ transport }).getChainId()
  } catch (error) {
    throw new ChainUnreachableError({ url: safeUrl, details: describeRpcFailure(error, rpcUrl, safeUrl) })
  }
  if (expectedChainId !== undefined && chainId !== expectedChainId) {
    throw new ChainIdMismatchError({ url: safeUrl, expected: expectedChainId, actual: chainId })
  }

  const chain = defineChain({
    id: chainId,
    name: `Chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    // The transport carries the real URL; the chain object may end up in a
    // log or an error, so it only gets the redacted one.
    rpcUrls: { default: { http: [safeUrl] } },
  })
  const publicClient = createPublicClient({ chain, transport, pollingInterval })
  const walletClient = createWalletClient({ chain, transport, account: treasury, pollingInterval })
  return { publicClient, walletClient, chainId, treasury: treasury.address }
}

function isHttpUrl(url: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(url).protocol)
  } catch {
    return false
  }
}

function treasuryAccount(privateKey: Hex) {
  try {
    return privateKeyToAccount(privateKey)
  } catch {
    // viem's own error would quote the key.
    throw new InvalidChainConfigError({
      variable: 'TREASURY_PRIVATE_KEY',
      problem: 'is not a valid secp256k1 private key; expected 0x followed by 64 hex digits',
    })
  }
}

/** The reason along the cause chain ("fetch failed: connect ECONNREFUSED …", "HTTP 401 Unauthorized"), URL masked. */
function describeRpcFailure(error: unknown, rpcUrl: string, safeUrl: string): string {
  const parts: string[] = []
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    const status = 'status' in cause && typeof cause.status === 'number' ? `HTTP ${cause.status} ` : ''
    const text = status + (cause instanceof BaseError ? cause.details || cause.shortMessage : cause.message)
    if (text && !parts.includes(text)) parts.push(text)
  }
  return (parts.join(': ') || String(error)).split(rpcUrl).join(safeUrl)
}
