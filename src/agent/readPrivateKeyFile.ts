import { readFileSync, statSync } from 'node:fs'
import type { Hex } from 'viem'
import { AgentUsageError } from './AgentErrors.ts'

/** Reads the provider's key from a file; no message ever quotes the content.
 *  @throws AgentUsageError when the file is unreadable or holds no key */
export function readPrivateKeyFile(path: string, { given = true }: { given?: boolean } = {}): { key: Hex; readableByOthers: boolean } {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : String(code)
    if (!given && code === 'ENOENT') throw new AgentUsageError(`No key file at ${path}: write the provider wallet's 0x private key there (chmod 600), or pass --private-key-file.`)
    throw new AgentUsageError(`Cannot read --private-key-file ${path}: ${why}.`)
  }
  const key = text.trim()
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new AgentUsageError(`--private-key-file ${path} must hold one 0x-prefixed private key of 64 hex digits.`)
  return { key: key as Hex, readableByOthers: (statSync(path).mode & 0o077) !== 0 }
}
