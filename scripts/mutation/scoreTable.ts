/** Scores from Stryker's JSON report (mutation-testing-report-schema), as docs/mutation.md counts them. */
export interface ModuleScore {
  module: string
  /** Killed and timed out: the tests noticed. */
  killed: number
  survived: number
  noCoverage: number
  ms: number
}

interface StrykerReport {
  files: Record<string, { mutants: { status: string }[] }>
}

export function scoreRow(module: string, report: StrykerReport, ms: number): ModuleScore {
  const row = { module, killed: 0, survived: 0, noCoverage: 0, ms }
  for (const { mutants } of Object.values(report.files)) {
    for (const { status } of mutants) {
      if (status === 'Killed' || status === 'Timeout') row.killed++
      else if (status === 'Survived') row.survived++
      else if (status === 'NoCoverage') row.noCoverage++
      // Ignored, CompileError and RuntimeError mutants are not counted, as Stryker does.
    }
  }
  return row
}

/** killed ÷ (killed + survived + no coverage): Stryker's total score, nothing excluded as equivalent. */
export function percent(killed: number, counted: number): string {
  return counted === 0 ? '–' : `${((1000 * killed) / counted / 10).toFixed(1)} %`
}

export function scoreTable(rows: ModuleScore[]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`
  const counted = (r: Omit<ModuleScore, 'module' | 'ms'>) => r.killed + r.survived + r.noCoverage
  const total = rows.reduce((sum, r) => ({ killed: sum.killed + r.killed, survived: sum.survived + r.survived, noCoverage: sum.noCoverage + r.noCoverage, ms: sum.ms + r.ms }), { killed: 0, survived: 0, noCoverage: 0, ms: 0 })
  return [
    line(['module', 'mutants', 'killed', 'survived', 'no coverage', 'score', 'time']),
    line(['---', '---', '---', '---', '---', '---', '---']),
    ...rows.map((r) => line([`\`${r.module}\``, counted(r), r.killed, r.survived, r.noCoverage, percent(r.killed, counted(r)), `${Math.round(r.ms / 1000)} s`])),
    line(['**all**', counted(total), total.killed, total.survived, total.noCoverage, `**${percent(total.killed, counted(total))}**`, `${Math.round(total.ms / 1000)} s`]),
    '',
  ].join('\n')
}
