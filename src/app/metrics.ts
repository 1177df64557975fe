import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export interface Metrics {
  registry: Registry
  commands: Counter<'command' | 'platform' | 'outcome'>
  commandSeconds: Histogram<'command' | 'platform'>
}

export function createMetrics({ defaults = true }: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (defaults) collectDefaultMetrics({ register: registry, prefix: 'gridshare_' })
  return {
    registry,
    commands: new Counter({
      name: 'gridshare_commands_total',
      help: 'Commands and button presses handled, by outcome (ok, user_error, error, rate_limited, unknown)',
      labelNames: ['command', 'platform', 'outcome'],
      registers: [registry],
    }),
    commandSeconds: new Histogram({
      name: 'gridshare_command_duration_seconds',
      help: 'Time from a command arriving to its reply being ready',
      labelNames: ['command', 'platform'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  }
}
