import { createHash, createPublicKey, type JsonWebKey } from 'node:crypto'
import { UserError } from '../errors/AppError.ts'

export const SSH_KEY_TYPES = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'] as const
export type SshKeyType = (typeof SSH_KEY_TYPES)[number]

/** Weaker RSA keys are refused, as current OpenSSH and every cloud do. */
export const MIN_RSA_BITS = 2048
/** A 16384-bit RSA key, the largest ssh-keygen makes, is about 2,800 characters. */
export const MAX_SSH_KEY_CHARS = 3000
const MAX_COMMENT_CHARS = 100

export interface SshPublicKey {
  type: SshKeyType
  /** `<type> <base64>` rebuilt from the parsed parts: the only form that reaches authorized_keys. */
  publicKey: string
  comment: string
  /** SHA256:<unpadded base64 of the blob's SHA-256>, as `ssh-keygen -lf` prints it. */
  fingerprint: string
  bits: number
}

const EXPECTED = 'an OpenSSH public key such as `ssh-ed25519 AAAA… you@laptop` (the one line in ~/.ssh/id_ed25519.pub)'

/** Reads one OpenSSH public key line, checking the base64 blob inside: its
 *  type must match the prefix and its key must be a real point or modulus.
 *  Options (`command="…" ssh-ed25519 …`), newlines and other key types are
 *  refused, since the key is later written into an authorized_keys file.
 *  @throws UserError with one sentence naming what was wrong and the expected form */
export function parseSshPublicKey(pasted: string): SshPublicKey {
  // A line break at either end (a pasted .pub file) is harmless once cut off; inside, it is refused below.
  const text = pasted.trim()
  if (text.length > MAX_SSH_KEY_CHARS) {
    throw new UserError(`That is ${text.length} characters ("${clip(text)}"); expected ${EXPECTED}, at most ${MAX_SSH_KEY_CHARS} characters.`, 'BAD_SSH_KEY')
  }
  // Nothing may break out of its line in authorized_keys.
  if (/[\p{Cc}\u2028\u2029]/u.test(text)) {
    throw new UserError(`An SSH key is one line without tabs or line breaks; expected ${EXPECTED}.`, 'BAD_SSH_KEY')
  }
  const [type = '', base64 = '', ...rest] = text.split(/ +/)
  if (!(SSH_KEY_TYPES as readonly string[]).includes(type)) {
    throw new UserError(`"${clip(type)}" is not a key type I accept (${SSH_KEY_TYPES.join(', ')}); expected ${EXPECTED}, with nothing before it.`, 'BAD_SSH_KEY')
  }
  const comment = rest.join(' ')
  if (comment.length > MAX_COMMENT_CHARS || !/^[\p{L}\p{N} ._@+:=,()/-]*$/u.test(comment)) {
    throw new UserError(`The comment after the key may hold up to ${MAX_COMMENT_CHARS} letters, digits, spaces and . _ @ + - : = , ( ) / only, like you@laptop.`, 'BAD_SSH_KEY')
  }
  const blob = /^[A-Za-z0-9+/]+={0,2}$/.test(base64) ? Buffer.from(base64, 'base64') : undefined
  if (!blob || blob.toString('base64') !== base64) throw new UserError(`The part after ${type} is not the key's base64 text; expected ${EXPECTED}.`, 'BAD_SSH_KEY')
  const bits = checkBlob(type as SshKeyType, blob)
  return {
    type: type as SshKeyType,
    publicKey: `${type} ${base64}`,
    comment,
    fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`,
    bits,
  }
}

/** @returns the key size in bits @throws UserError */
function checkBlob(type: SshKeyType, blob: Buffer): number {
  const damaged = () => new UserError(`That ${type} key is damaged or incomplete (copy the whole line again); expected ${EXPECTED}.`, 'BAD_SSH_KEY')
  const reader = blobReader(blob, damaged)
  if (reader.string().toString('latin1') !== type) {
    throw new UserError(`The key inside does not match its ${type} prefix; expected ${EXPECTED}.`, 'BAD_SSH_KEY')
  }
  let jwk: JsonWebKey
  let bits: number
  if (type === 'ssh-ed25519') {
    const point = reader.string()
    if (point.length !== 32) throw damaged()
    jwk = { kty: 'OKP', crv: 'Ed25519', x: point.toString('base64url') }
    bits = 256
  } else if (type === 'ssh-rsa') {
    const e = unsigned(reader.string())
    const n = unsigned(reader.string())
    bits = n.length ? n.length * 8 - Math.clz32(n[0]!) + 24 : 0
    if (bits < MIN_RSA_BITS) {
      throw new UserError(`That RSA key has ${bits} bits; keys under ${MIN_RSA_BITS} bits are refused: make an ed25519 key with ssh-keygen -t ed25519.`, 'BAD_SSH_KEY')
    }
    if (bits > 16384) throw damaged()
    jwk = { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') }
  } else {
    const curve = type.slice('ecdsa-sha2-'.length)
    bits = Number(curve.slice('nistp'.length))
    const size = Math.ceil(bits / 8)
    if (reader.string().toString('latin1') !== curve) throw damaged()
    const point = reader.string()
    if (point.length !== 1 + 2 * size || point[0] !== 4) throw damaged()
    jwk = { kty: 'EC', crv: `P-${bits}`, x: point.subarray(1, 1 + size).toString('base64url'), y: point.subarray(1 + size).toString('base64url') }
  }
  if (!reader.done()) throw damaged()
  try {
    createPublicKey({ key: jwk, format: 'jwk' })
  } catch {
    throw damaged()
  }
  return bits
}

/** SSH wire strings: a 4-byte big-endian length, then the bytes. */
function blobReader(blob: Buffer, damaged: () => UserError) {
  let offset = 0
  return {
    string(): Buffer {
      if (offset + 4 > blob.length) throw damaged()
      const length = blob.readUInt32BE(offset)
      if (offset + 4 + length > blob.length) throw damaged()
      const bytes = blob.subarray(offset + 4, offset + 4 + length)
      offset += 4 + length
      return bytes
    },
    done: () => offset === blob.length,
  }
}

/** An mpint without its sign byte. */
function unsigned(mpint: Buffer): Buffer {
  let start = 0
  while (start < mpint.length && mpint[start] === 0) start++
  return mpint.subarray(start)
}

/** What was typed, cut short enough to echo in one sentence. */
export function clip(text: string, max = 40): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text
}
