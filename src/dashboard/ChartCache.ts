import type { TopLevelSpec } from 'vega-lite'
import { ChartDrawing, svgToPng, type ChartFormat } from './ChartDrawing.ts'

/** Finished drawings kept; past it they all start over. */
const DRAWINGS_KEPT = 256
/** Compiled charts kept, one per spec; past it they are compiled again. */
const COMPILED_KEPT = 64

/** Finished drawings by key and compiled charts by spec: a chart is drawn once
 *  per key however many viewers ask, and compiled once per spec however many
 *  drawings it makes. */
export class ChartCache {
  private readonly drawings = new Map<string, Promise<Buffer | string>>()
  private readonly compiled = new Map<string, ChartDrawing>()

  /** Forgets the finished drawings (what they show has changed); compiled charts stay. */
  forget(): void {
    this.drawings.clear()
  }

  /** The drawing kept under `key`, else the one `draw` makes. A failed drawing
   *  is not kept: its cause may pass (a model that appears with the next snapshot). */
  kept(key: string, draw: () => Promise<Buffer | string>): Promise<Buffer | string> {
    const kept = this.drawings.get(key)
    if (kept) return kept
    if (this.drawings.size >= DRAWINGS_KEPT) this.drawings.clear()
    const drawing = draw()
    this.drawings.set(key, drawing)
    drawing.catch(() => this.drawings.get(key) === drawing && this.drawings.delete(key))
    return drawing
  }

  /** `points` in the chart `spec`, as SVG text or a PNG. */
  draw(spec: TopLevelSpec, points: readonly object[], format: ChartFormat): Promise<Buffer | string> {
    const specKey = JSON.stringify(spec)
    let chart = this.compiled.get(specKey)
    if (!chart) {
      if (this.compiled.size >= COMPILED_KEPT) this.compiled.clear()
      this.compiled.set(specKey, (chart = new ChartDrawing(spec)))
    }
    const svg = chart.svg(points)
    return format === 'svg' ? svg : svg.then(svgToPng)
  }
}
