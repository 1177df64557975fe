import type { TopLevelSpec } from 'vega-lite'
import { CHART_CONFIG } from './ChartDrawing.ts'

/** One bar per choice with its voting power, and one for all power cast,
 *  which the dashed quorum rule is measured against. */
export type ProposalChartPoint = { order: number; choice: string; power: number; quorum: number; total: boolean }
/** Per closed epoch: its emission and what its payouts confirmed. */
export type EpochsChartPoint = { epoch: number; series: 'Emission' | 'Paid'; amount: number }
export type EarningsChartPoint = { epoch: number; amount: number }
/** Per UTC day: the share of 5-minute buckets the provider's nodes were seen in. */
export type UptimeChartPoint = { day: number; uptime: number }

const base = (title: string, width = 640, height = 260) => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title,
  width,
  height,
  data: { name: 'points' },
  background: 'white',
  config: CHART_CONFIG,
})

export function proposalChartSpec({ title, symbol }: { title: string; symbol: string }): TopLevelSpec {
  return {
    ...base(title, 640, 220),
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'choice', type: 'nominal', title: null, sort: { field: 'order' }, axis: { labelLimit: 220 } },
          x: { field: 'power', type: 'quantitative', title: `Voting power (${symbol})` },
          color: { field: 'total', type: 'nominal', scale: { domain: [false, true], range: ['#1f6f43', '#4b5563'] }, legend: null },
        },
      },
      { mark: { type: 'rule', color: '#b42318', strokeDash: [6, 4], size: 2 }, encoding: { x: { field: 'quorum', aggregate: 'max', type: 'quantitative' } } },
    ],
  } as TopLevelSpec
}

export function epochsChartSpec({ empty, symbol }: { empty: boolean; symbol: string }): TopLevelSpec {
  return {
    ...base(empty ? 'No epoch has closed yet' : `Emission and paid per epoch (${symbol})`),
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'ordinal', title: 'Epoch', axis: { labelAngle: 0, labelOverlap: true } },
      y: { field: 'amount', type: 'quantitative', title: symbol, ...(empty ? { scale: { domain: [0, 1] } } : {}) },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: ['Emission', 'Paid'], range: ['#0645ad', '#1f6f43'] } },
    },
  } as TopLevelSpec
}

export function earningsChartSpec({ title, empty, symbol }: { title: string; empty: boolean; symbol: string }): TopLevelSpec {
  return {
    ...base(title),
    mark: { type: 'bar', color: '#1f6f43' },
    encoding: {
      x: { field: 'epoch', type: 'ordinal', title: 'Epoch', axis: { labelAngle: 0, labelOverlap: true } },
      y: { field: 'amount', type: 'quantitative', title: symbol, ...(empty ? { scale: { domain: [0, 1] } } : {}) },
    },
  } as TopLevelSpec
}

export function uptimeChartSpec({ title }: { title: string }): TopLevelSpec {
  return {
    ...base(title),
    mark: { type: 'bar', color: '#0645ad' },
    encoding: {
      x: { field: 'day', type: 'temporal', timeUnit: 'utcyearmonthdate', title: null, axis: { format: '%b %d', labelOverlap: true } },
      y: { field: 'uptime', type: 'quantitative', title: 'Uptime (%)', scale: { domain: [0, 100] } },
    },
  } as TopLevelSpec
}
