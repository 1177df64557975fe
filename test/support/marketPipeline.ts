import { pino } from 'pino'
import { commandRegistry } from '../../commands/registry.ts'
import { createMetrics } from '../../src/app/metrics.ts'
import type { Services } from '../../src/app/Services.ts'
import { CommandPipeline, type AutocompleteSource } from '../../src/command/CommandPipeline.ts'
import { RateLimiter } from '../../src/command/RateLimiter.ts'
import type { createMarketHarness } from './marketHarness.ts'

/** The product's command pipeline over a market harness's database: its units,
 *  ledger, market and parameters, plus whatever services a test adds. No rate limit. */
export function marketPipeline(
  h: ReturnType<typeof createMarketHarness>,
  services: Partial<Services> = {},
  { autocomplete }: { autocomplete?: Record<string, AutocompleteSource> } = {},
): CommandPipeline {
  return new CommandPipeline({
    db: h.db,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics({ defaults: false }),
    clock: () => h.clock.now,
    commands: commandRegistry,
    services: { units: h.units, ledger: h.ledger, market: h.market, params: h.params, ...services } as unknown as Services,
    rateLimiter: new RateLimiter({ burst: 1e6, perSecond: 1e6 }),
    adminIds: new Set(),
    ...(autocomplete ? { autocomplete } : {}),
  })
}
