/** What the soak did and found, counted as it goes and printed as one table. */
export class SoakStats {
  readonly operations = new Map<string, { ok: number; refused: number; internalError: number; noAnswer: number }>()
  readonly faults = { productKills: 0, productRestarts: 0, agentKills: 0, agentRestarts: 0 }
  readonly violations: string[] = []
  /** Things worth a look that are not violations, counted by their text with ids taken out. */
  readonly notes = new Map<string, number>()
  /** Totals the final check read from the database and the chain. */
  readonly figures: string[] = []

  /** ok: the command did what was asked; refused: a user error sentence (a
   *  normal answer, e.g. no capacity); internalError: "Something went wrong";
   *  noAnswer: nothing within the wait (usually while the product was down). */
  count(kind: string, outcome: 'ok' | 'refused' | 'internalError' | 'noAnswer', by = 1): void {
    const row = this.operations.get(kind) ?? { ok: 0, refused: 0, internalError: 0, noAnswer: 0 }
    row[outcome] += by
    this.operations.set(kind, row)
  }

  violation(text: string): void {
    this.violations.push(text)
  }

  note(text: string): void {
    const key = text.replace(/\(ref \w+\)/g, '(ref …)').replace(/0x[0-9a-fA-F]{8,}/g, '0x…')
    this.notes.set(key, (this.notes.get(key) ?? 0) + 1)
  }

  /** One markdown table: operations by kind, then faults and violations. */
  table(): string {
    const lines = ['| what | ok | refused | internal error | no answer |', '|---|---:|---:|---:|---:|']
    const total = { ok: 0, refused: 0, internalError: 0, noAnswer: 0 }
    for (const [kind, row] of [...this.operations].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`| ${kind} | ${row.ok} | ${row.refused} | ${row.internalError} | ${row.noAnswer} |`)
      for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += row[key]
    }
    lines.push(`| **all operations** | ${total.ok} | ${total.refused} | ${total.internalError} | ${total.noAnswer} |`)
    lines.push(`| product SIGKILLs / restarts | ${this.faults.productKills} / ${this.faults.productRestarts} | | | |`)
    lines.push(`| agent SIGKILLs / restarts | ${this.faults.agentKills} / ${this.faults.agentRestarts} | | | |`)
    lines.push(`| **violations** | ${this.violations.length} | | | |`)
    return lines.join('\n')
  }
}
