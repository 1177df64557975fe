import { bytesToHex, type Address, type Hex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'

/**
 * anvil's well-known default mnemonic. Its keys are public knowledge: they
 * are for the embedded dev chain only and must never hold real value.
 */
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk'

/** anvil funds this many accounts by default; the dev chain mints GRID to each. */
export const DEV_ACCOUNT_COUNT = 10

export type DevAccount = { index: number; address: Address; privateKey: Hex }

/** The dev chain's accounts 0..count-1 (path m/44'/60'/0'/0/i), as anvil derives them. */
export function devAccounts(count: number = DEV_ACCOUNT_COUNT): DevAccount[] {
  return Array.from({ length: count }, (_, index) => {
    const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index })
    const privateKey = account.getHdKey().privateKey
    // Cannot happen for a key derived from a mnemonic; checked so the type is exact.
    if (!privateKey) throw new Error(`dev account ${index} has no private key`)
    return { index, address: account.address, privateKey: bytesToHex(privateKey) }
  })
}
