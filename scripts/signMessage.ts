import { readFileSync } from 'node:fs'
import { privateKeyToAccount } from 'viem/accounts'
import { messageBetweenFrames } from '../src/identity/handSignedMessage.ts'

/** Signs a message to sign by hand (personal_sign) with a private key, for
 *  the local demo: stdin may be the whole chat reply, and only the text between
 *  its BEGIN and END lines is signed, exactly.
 *  npm run --silent wallet:sign -- <private key> < message.txt */
const [key] = process.argv.slice(2)
if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
  process.stderr.write('Usage: npm run --silent wallet:sign -- <0x private key, 64 hex digits> < message.txt\n')
  process.exit(2)
}
const message = messageBetweenFrames(readFileSync(0, 'utf8'))
if (!message.trim()) {
  process.stderr.write('Nothing to sign: put the message from /link (or /unfreeze) on standard input.\n')
  process.exit(2)
}
process.stdout.write(`${await privateKeyToAccount(key as `0x${string}`).signMessage({ message })}\n`)
