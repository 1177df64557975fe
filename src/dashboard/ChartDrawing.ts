import { fileURLToPath } from 'node:url'
import { renderAsync } from '@resvg/resvg-js'
import * as vega from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'

export type ChartFormat = 'png' | 'svg'

/** Shipped with the repo: a Debian server (or CI) may have no fonts at all, and resvg draws no text without one. */
export const CHART_FONT_FILE = fileURLToPath(new URL('../../assets/fonts/DejaVuSans.ttf', import.meta.url))
const FONT = 'DejaVu Sans'

/** The look every dashboard chart shares: the shipped font, dark text on white. */
export const CHART_CONFIG = {
  font: FONT,
  view: { stroke: '#d0d7de' },
  axis: { labelColor: '#1b1f24', titleColor: '#1b1f24', labelFontSize: 12, titleFontSize: 12 },
  title: { color: '#1b1f24', fontSize: 15 },
  legend: { labelColor: '#1b1f24', titleColor: '#1b1f24' },
} as const

/** A compiled Vega-Lite chart whose data is the named set `points`, kept with
 *  one headless View (the 'none' renderer: no canvas): a drawing only swaps the
 *  data, since building the dataflow costs more than running it. Drawings on
 *  one chart take turns. */
export class ChartDrawing {
  private readonly view: vega.View
  private turn: Promise<unknown> = Promise.resolve()

  constructor(spec: TopLevelSpec) {
    this.view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' })
  }

  svg(points: readonly object[]): Promise<string> {
    const drawing = this.turn.then(() => {
      this.view.data('points', [...points])
      return this.view.toSVG()
    })
    this.turn = drawing.catch(() => undefined)
    return drawing
  }
}

/** SVG → PNG with the shipped font only (no system font scan per image), on
 *  libuv's thread pool so the event loop keeps serving while it draws. */
export async function svgToPng(svg: string): Promise<Buffer> {
  const image = await renderAsync(svg, { font: { loadSystemFonts: false, fontFiles: [CHART_FONT_FILE], defaultFontFamily: FONT, sansSerifFamily: FONT }, background: 'white' })
  return image.asPng()
}
