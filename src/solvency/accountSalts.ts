import { bytesToHex, hexToBytes, type Hex } from 'viem'
import type { Db } from '../db/openDatabase.ts'
import { sqliteOf } from '../rewards/epochInputs.ts'
import { keccak } from './merkleSumTree.ts'

/** Each account's long-lived secret, created on its first snapshot. Runs inside
 *  the snapshot's transaction. */
export function accountSecrets(db: Db, accountIds: Iterable<number>, { randomBytes, now }: { randomBytes: (size: number) => Uint8Array; now: number }): Map<number, Hex> {
  const sqlite = sqliteOf(db)
  const secrets = new Map<number, Hex>()
  for (const [accountId, secret] of sqlite.prepare('select account_id, secret from solvency_secrets').raw().iterate() as Iterable<[number, Hex]>) secrets.set(accountId, secret)
  const insert = sqlite.prepare('insert into solvency_secrets (account_id, secret, created_at) values (?, ?, ?)')
  for (const accountId of accountIds) {
    if (secrets.has(accountId)) continue
    const secret = bytesToHex(randomBytes(32))
    insert.run(accountId, secret, now)
    secrets.set(accountId, secret)
  }
  return secrets
}

/** The salt of one account's leaf in one snapshot:
 *  keccak256(abi.encode(bytes32 secret, uint256 snapshot)). A fresh salt per
 *  snapshot keeps an unchanged balance from giving the same leaf hash twice,
 *  so leaves cannot be followed from one snapshot to the next. */
export function snapshotSalt(secret: Hex, snapshot: number): Hex {
  const bytes = new Uint8Array(64)
  bytes.set(hexToBytes(secret), 0)
  new DataView(bytes.buffer).setBigUint64(56, BigInt(snapshot))
  return bytesToHex(keccak(bytes))
}
