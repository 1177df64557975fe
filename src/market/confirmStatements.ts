import { and, eq, getTableColumns, sql } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { nodeGpus, rentals } from '../db/schema/market.ts'
import { sshKeySnapshotReader } from '../identity/sshKeySnapshot.ts'

export type NewRental = typeof rentals.$inferInsert

const placeholder = (name: string) => sql.placeholder(name)

/** Every column of rentals as a placeholder: the prepared insert writes a
 *  whole row, so a column added to the table is written as soon as the caller
 *  sets it (typed by NewRental), with no list here to keep in step. */
const rentalColumns = Object.fromEntries(Object.keys(getTableColumns(rentals)).map((key) => [key, placeholder(key)])) as unknown as NewRental

/** Columns the caller leaves out (or undefined) are null, as a plain insert
 *  leaves them while rentals has no column defaults (prepareConfirmStatements
 *  refuses to start if one appears: a bound null would override it). */
function withNulls(row: NewRental): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const key of Object.keys(rentalColumns)) values[key] = row[key as keyof NewRental] ?? null
  return values
}

/** The statements Rentals.confirm runs, compiled once: at 100,000 nodes
 *  building and compiling them per confirm cost as much as running them. */
export function prepareConfirmStatements(db: Db) {
  const defaulted = Object.values(getTableColumns(rentals)).filter((column) => column.hasDefault)
  if (defaulted.length > 0) throw new Error(`rentals.${defaulted.map((c) => c.name).join(', ')} has a default: the prepared rental insert binds every column`)
  const freeOnNode = sql`${nodeGpus.total} - ${nodeGpus.allocated} >= ${placeholder('gpuCount')}`
  const offer = and(eq(nodeGpus.nodeId, placeholder('nodeId')), eq(nodeGpus.model, placeholder('model')))
  const offerOf = db.select().from(nodeGpus).where(offer).prepare()
  const allocate = db
    .update(nodeGpus)
    .set({ allocated: sql`${nodeGpus.allocated} + ${placeholder('gpuCount')}` })
    .where(and(offer, freeOnNode))
    .prepare()
  const rentalById = db.select({ id: rentals.id }).from(rentals).where(eq(rentals.id, placeholder('id'))).prepare()
  const insertRental = db.insert(rentals).values(rentalColumns).returning().prepare()
  return {
    offerOf: (nodeId: string, model: string) => offerOf.get({ nodeId, model }),
    /** False when the GPUs were taken meanwhile. */
    allocate: (nodeId: string, model: string, gpuCount: number) => allocate.run({ nodeId, model, gpuCount }).changes === 1,
    rentalIdTaken: (id: string) => rentalById.get({ id }) !== undefined,
    insertRental: (row: NewRental) => insertRental.get(withNulls(row))!,
    /** The account's SSH key fingerprints now: what the new rental will let in (sshKeySnapshot.ts). */
    sshKeySnapshot: sshKeySnapshotReader(db),
  }
}
