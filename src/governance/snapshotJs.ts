import snapshotModule from '@snapshot-labs/snapshot.js'

/** snapshot.js as it is at run time. Its CommonJS build sets `module.exports`
 *  to the library object while its typings declare an ES default export, so
 *  under NodeNext the default import is typed one level too deep. */
export const snapshot = snapshotModule as unknown as typeof snapshotModule.default
