import { parseAbiItem, type Address, type Hash } from 'viem'
import type { ChainPublicClient } from './chainClients.ts'

export type TokenTransfer = {
  txHash: Hash
  logIndex: number
  blockNumber: bigint
  blockHash: Hash
  from: Address
  to: Address
  value: bigint
}

export type ReadTokenTransfersParameters = {
  token: Address
  /** Only transfers to this address (a deposit scan). */
  to?: Address | undefined
  /** Only transfers from this address (a payout check). */
  from?: Address | undefined
  fromBlock: bigint
  /** Inclusive. A number, not a tag, so the caller decides how many confirmations it waits for. */
  toBlock: bigint
  /** Blocks per `eth_getLogs` request. @default 2_000 */
  chunkSize?: bigint | undefined
}

export const transferEvent = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)')

/**
 * Reads the token's Transfer logs in `[fromBlock, toBlock]`, sorted by
 * (blockNumber, logIndex). The range is requested in chunks because hosted
 * RPCs cap the block span (and result size) of one `eth_getLogs`.
 */
export async function readTokenTransfers(
  publicClient: ChainPublicClient,
  { token, to, from, fromBlock, toBlock, chunkSize = 2_000n }: ReadTokenTransfersParameters,
): Promise<TokenTransfer[]> {
  if (chunkSize < 1n) throw new RangeError(`chunkSize must be at least 1, got ${chunkSize}`)
  const transfers: TokenTransfer[] = []
  // Sequential on purpose: parallel chunks would trip providers' rate limits on long catch-ups.
  for (let start = fromBlock; start <= toBlock; start += chunkSize) {
    const end = start + chunkSize - 1n < toBlock ? start + chunkSize - 1n : toBlock
    const logs = await publicClient.getLogs({
      address: token,
      event: transferEvent,
      args: { from, to },
      fromBlock: start,
      toBlock: end,
      strict: true,
    })
    for (const log of logs) {
      // Logs of mined blocks always carry these; a node that omits them is answering for a pending block.
      if (log.blockHash === null || log.blockNumber === null || log.transactionHash === null || log.logIndex === null) {
        throw new Error(`eth_getLogs returned a log without block or transaction data for blocks ${start}..${end}`)
      }
      transfers.push({
        txHash: log.transactionHash,
        logIndex: log.logIndex,
        blockNumber: log.blockNumber,
        blockHash: log.blockHash,
        from: log.args.from,
        to: log.args.to,
        value: log.args.value,
      })
    }
  }
  return transfers.sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1))
}
