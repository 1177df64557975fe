/** 0x1234…abcd: enough to recognise a wallet in a chat table. */
export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`
}
