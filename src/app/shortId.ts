import { randomBytes } from 'node:crypto'

// No 0/o, 1/l/i: ids are read aloud and typed by people.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'

/** A short readable id such as r7k3p: a prefix and random letters, unguessable
 *  enough that an id reveals nothing about anyone else's records. */
export function shortId(prefix: string, length = 4): string {
  const bytes = randomBytes(length)
  let id = prefix
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length]
  return id
}

/** A short id not yet taken; ids stay short, so collisions are expected and retried. */
export function uniqueShortId(prefix: string, length: number, taken: (id: string) => boolean): string {
  for (;;) {
    const id = shortId(prefix, length)
    if (!taken(id)) return id
  }
}
