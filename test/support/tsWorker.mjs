// Worker threads do not inherit tsx from vitest: register it, then load the TypeScript worker.
import { workerData } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

// Under mutation testing, the same mutant as the test that started this worker.
if (workerData.strykerActiveMutant !== undefined) globalThis.__stryker__ = { activeMutant: workerData.strykerActiveMutant }
register()
await import(workerData.tsFile)
