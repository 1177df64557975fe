import { UserError } from '../errors/AppError.ts'
import type { Sqlite } from '../db/openDatabase.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { availabilitySpec, chartShapeOf, chartValues, readAvailabilityPoints, type AvailabilityChartParameters } from './availabilityChart.ts'
import { ChartCache } from './ChartCache.ts'
import type { ChartFormat } from './ChartDrawing.ts'

export const DEFAULT_CHART_DAYS = 7
const MAX_DAYS = 90

export interface AvailabilityChartsDeps {
  sqlite: Sqlite
  units: TokenUnits
  clock: () => number
  /** When the latest market snapshot was taken: a chart is redrawn only when it changes. */
  dataVersion: () => number | null
}

/** Parses the chart's query string as a person would type it.
 *  @throws UserError naming the parameter and the expected form */
export function parseChartQuery(query: { model?: string; days?: string }): AvailabilityChartParameters {
  let days = DEFAULT_CHART_DAYS
  if (query.days !== undefined) {
    if (!/^\d{1,2}$/.test(query.days) || Number(query.days) < 1 || Number(query.days) > MAX_DAYS) {
      throw new UserError(`days must be a whole number from 1 to ${MAX_DAYS}, such as days=7.`, 'BAD_CHART_QUERY')
    }
    days = Number(query.days)
  }
  const model = query.model === undefined || query.model === '' ? undefined : query.model
  if (model !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(model)) {
    throw new UserError('model must be a GPU model name such as model=H100-80GB.', 'BAD_CHART_QUERY')
  }
  return { model, days }
}

/** The network chart, drawn from market_history and cached until the next
 *  snapshot: one rendering per query per snapshot, however many viewers. */
export class AvailabilityCharts {
  /** Drawings by (model, days, format), and compiled charts by shape (days × empty × point marks). */
  private readonly cache = new ChartCache()
  private cachedVersion: number | null = null

  constructor(private readonly deps: AvailabilityChartsDeps) {}

  /** @throws UserError when the model has no history in the window */
  async render(params: AvailabilityChartParameters, format: ChartFormat): Promise<Buffer | string> {
    const version = this.deps.dataVersion()
    if (version !== this.cachedVersion) {
      this.cache.forget()
      this.cachedVersion = version
    }
    return this.cache.kept(`${params.model ?? ''}|${params.days}|${format}`, () => this.draw(params, format))
  }

  /** Draws the default chart ahead of the first viewer (after each snapshot). */
  async warm(): Promise<void> {
    await this.render({ days: DEFAULT_CHART_DAYS }, 'png')
  }

  private async draw(params: AvailabilityChartParameters, format: ChartFormat): Promise<Buffer | string> {
    const points = readAvailabilityPoints(this.deps.sqlite, params, this.deps.clock())
    if (params.model !== undefined && points.length === 0) {
      throw new UserError(`No GPU model ${params.model} was listed in the last ${params.days} day${params.days === 1 ? '' : 's'}; expected a model shown on the network page, such as model=H100-80GB.`, 'UNKNOWN_MODEL')
    }
    return this.cache.draw(availabilitySpec(chartShapeOf(points, params.days, this.deps.units.symbol)), chartValues(points, this.deps.units.decimals), format)
  }
}
