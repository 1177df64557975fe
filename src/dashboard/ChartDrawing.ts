import * as vega from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'

/** The look every dashboard chart shares: the shipped font, dark text on white. */
export const CHART_CONFIG = {
  font: 'DejaVu Sans',
  view: { stroke: '#d0d7de' },
  axis: { labelColor: '#1b1f24', titleColor: '#1b1f24', labelFontSize: 12, titleFontSize: 12 },
  title: { color: '#1b1f24', fontSize: 15 },
  legend: { labelColor: '#1b1f24', titleColor: '#1b1f24' },
} as const

/** A compiled Vega-Lite chart whose data is the named set `points`, kept with
 *  one headless View: a drawing only swaps the data, since building the
 *  dataflow costs more than running it. Drawings on one chart take turns. */
export class ChartDrawing<Point extends object> {
  private readonly view: vega.View
  private turn: Promise<unknown> = Promise.resolve()

  constructor(spec: TopLevelSpec) {
    this.view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' })
  }

  svg(points: readonly Point[]): Promise<string> {
    const drawing = this.turn.then(() => {
      this.view.data('points', [...points])
      return this.view.toSVG()
    })
    this.turn = drawing.catch(() => undefined)
    return drawing
  }
}
