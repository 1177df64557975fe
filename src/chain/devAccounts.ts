import { bytesToHex, type Address, type Hex } from 'viem'
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'

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
  // Derive the parent node once: turning the mnemonic into a seed is the slow
  // step (PBKDF2), and mnemonicToAccount per index would repeat it each time.
  const parent = mnemonicToAccount(DEV_MNEMONIC, { path: "m/44'/60'/0'/0" }).getHdKey()
  return Array.from({ length: count }, (_, index) => {
    const key = parent.deriveChild(index).privateKey
    // Cannot happen for a key derived from a private parent; checked so the type is exact.
    if (!key) throw new Error(`dev account ${index} has no private key`)
    const privateKey = bytesToHex(key)
    return { index, address: privateKeyToAccount(privateKey).address, privateKey }
  })
}
