import { pino } from 'pino'
import { commandRegistry } from '../../commands/registry.ts'
import { createMetrics } from '../../src/app/metrics.ts'
import type { Services } from '../../src/app/Services.ts'
import { CommandPipeline, type AutocompleteSource } from '../../src/command/CommandPipeline.ts'
import type { CommandDefinition } from '../../src/command/defineCommand.ts'
import { RateLimiter } from '../../src/command/RateLimiter.ts'
import { openDatabase } from '../../src/db/openDatabase.ts'

/** A real pipeline on an in-memory SQLite with the real migrations applied.
 *  `commands` defaults to the product's registry; tests may add their own. */
export function createTestPipeline(
  options: {
    commands?: readonly CommandDefinition[]
    services?: Partial<Services>
    clock?: () => number
    rateLimit?: { burst: number; perSecond: number }
    adminIds?: string[]
    autocomplete?: Record<string, AutocompleteSource>
  } = {},
) {
  const database = openDatabase(':memory:')
  const logger = pino({ level: 'silent' })
  const metrics = createMetrics({ defaults: false })
  const pipeline = new CommandPipeline({
    db: database.db,
    logger,
    metrics,
    clock: options.clock ?? (() => Date.now()),
    commands: options.commands ?? commandRegistry,
    services: { publicUrl: 'http://localhost:8787', ...options.services } as Services,
    rateLimiter: new RateLimiter(options.rateLimit ?? { burst: 1000, perSecond: 1000 }),
    adminIds: new Set(options.adminIds ?? []),
    autocomplete: options.autocomplete,
  })
  return { pipeline, db: database.db, sqlite: database.sqlite, logger, metrics, close: database.close }
}
