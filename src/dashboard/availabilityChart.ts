import { formatUnits } from 'viem'
import type { TopLevelSpec } from 'vega-lite'
import type { Sqlite } from '../db/openDatabase.ts'
import { ALL_REGIONS } from '../db/schema/marketHistory.ts'
import { CHART_CONFIG } from './ChartDrawing.ts'

const HOUR = 3600_000
/** Points per model line at most: a week hourly; longer windows take every n-th hour (drawing cost grows with points). */
const MAX_POINTS_PER_LINE = 168

export interface AvailabilityChartParameters {
  /** One model, or every model with history. */
  model?: string
  days: number
}

export interface AvailabilityPoint {
  hour: number
  model: string
  freeGpus: number
  medianPrice: bigint
}

/** The all-regions rows of the window, oldest first; past a week, every n-th UTC hour. */
export function readAvailabilityPoints(sqlite: Sqlite, { model, days }: AvailabilityChartParameters, now: number): AvailabilityPoint[] {
  const since = Math.floor(now / HOUR) * HOUR - days * 24 * HOUR
  const every = Math.ceil((days * 24) / MAX_POINTS_PER_LINE)
  const rows = sqlite
    .prepare<unknown[], { hour: number; model: string; freeGpus: number; medianPrice: string }>(
      `select hour, model, free_gpus as freeGpus, median_price as medianPrice from market_history
       where hour > ? and region = ? and (hour / ${HOUR}) % ? = 0 ${model === undefined ? '' : 'and model = ?'} order by hour, model`,
    )
    .all(since, ALL_REGIONS, every, ...(model === undefined ? [] : [model]))
  return rows.map((r) => ({ ...r, medianPrice: BigInt(r.medianPrice) }))
}

/** What a chart looks like apart from its data: one compiled chart per shape is reused. */
export interface ChartShape {
  days: number
  /** No history yet: the title says so. */
  empty: boolean
  /** Marks on each point, for short series. */
  pointMarks: boolean
  symbol: string
}

export type ChartValue = { time: number; model: string; free: number; price: number }

export const chartShapeOf = (points: AvailabilityPoint[], days: number, symbol: string): ChartShape => ({ days, empty: points.length === 0, pointMarks: points.length < 60, symbol })

/** Plot positions only: the chart needs numbers, the exact amounts stay bigint in the tables. */
export const chartValues = (points: AvailabilityPoint[], decimals: number): ChartValue[] =>
  points.map((p) => ({ time: p.hour, model: p.model, free: p.freeGpus, price: Number(formatUnits(p.medianPrice, decimals)) }))

/** Free GPUs above, median price below, one line per model, sharing the time
 *  axis. Its data is the named set `points`, filled per drawing. */
export function availabilitySpec({ days, empty, pointMarks, symbol }: ChartShape): TopLevelSpec {
  const x = { field: 'time', type: 'temporal', title: null, axis: { format: days > 2 ? '%b %d' : '%H:%M', tickCount: 8, labelOverlap: false } } as const // a fixed tick count: overlap removal costs more than the rest of the drawing
  const color = { field: 'model', type: 'nominal', title: 'GPU model' } as const
  const line = (field: string, title: string) => ({
    width: 640,
    height: 170,
    mark: { type: 'line', point: pointMarks, interpolate: 'step-after' },
    // An empty chart still gets a readable axis (Vega would label a zero-width domain 0.000000).
    encoding: { x, y: { field, type: 'quantitative', title, ...(empty ? { scale: { domain: [0, 1] } } : {}) }, color },
  })
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: empty ? 'No market history yet: the first hourly snapshot comes a few minutes after start' : `GPUs free and median price, last ${days} day${days === 1 ? '' : 's'} (UTC)`,
    data: { name: 'points' },
    vconcat: [line('free', 'Free GPUs'), line('price', `Median ${symbol} per GPU-hour`)],
    background: 'white',
    // Vega's own axis font sizes: this chart's two panels were laid out with them.
    config: { ...CHART_CONFIG, axis: { labelColor: '#1b1f24', titleColor: '#1b1f24' } },
  } as TopLevelSpec
}
