import type { Db } from '../db/openDatabase.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import { sqliteOf } from '../rewards/epochInputs.ts'
import type { SolvencySnapshotView } from './solvencyView.ts'

/** Reserves below liabilities: every admin gets a DM at once (security topic:
 *  never muted, never held for quiet hours) and the channels an announcement.
 *  Admins are the ADMIN_IDS identities plus console users, as the command pipeline decides. */
export function raiseSolvencyAlarm(db: Db, { snapshot, adminIds, units, now, publicUrl }: { snapshot: SolvencySnapshotView; adminIds: readonly string[]; units: TokenUnits; now: number; publicUrl: string }): number[] {
  const shortfall = BigInt(snapshot.totalLiabilities) - BigInt(snapshot.reserves)
  const text =
    `Reserves are short: the treasury holds ${units.format(BigInt(snapshot.reserves))} but Gridshare owes its users ${units.format(BigInt(snapshot.totalLiabilities))}, ` +
    `${units.format(shortfall)} less than it owes (snapshot ${snapshot.number}, block ${snapshot.blockNumber}).`
  const admins = adminAccounts(db, adminIds)
  for (const accountId of admins) {
    enqueueNotification(db, {
      dedupeKey: `solvency.alarm:${snapshot.number}:${accountId}`,
      accountId,
      topic: 'security',
      reply: { title: 'Solvency alarm', text: `${text} Check the treasury's transfers now: ${publicUrl}/api/v1/solvency/${snapshot.number}` },
      now,
    })
  }
  enqueueNotification(db, {
    dedupeKey: `solvency.alarm:${snapshot.number}`,
    accountId: null,
    topic: 'announcements',
    reply: { title: 'Solvency alarm', text, fields: [{ name: 'Proof of solvency', value: `${publicUrl}/api/v1/solvency/${snapshot.number}` }] },
    now,
  })
  return admins
}

function adminAccounts(db: Db, adminIds: readonly string[]): number[] {
  const rows = sqliteOf(db).prepare("select platform || ':' || platform_user_id, account_id, platform from chat_identities").raw().all() as [string, number, string][]
  const wanted = new Set(adminIds)
  return [...new Set(rows.filter(([id, , platform]) => platform === 'console' || wanted.has(id)).map(([, accountId]) => accountId))].sort((a, b) => a - b)
}
