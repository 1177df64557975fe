import { isActionButton, type Reply } from './reply.ts'

/** Renders a reply for a terminal; buttons are numbered for /press <n>. */
export function renderPlainText(reply: Reply, buttonNumbers: number[] = []): string {
  const lines: string[] = []
  if (reply.title) lines.push(reply.title)
  // A table's caption reads best under it; other text leads.
  if (reply.text && !reply.table) lines.push(reply.text)
  // A value of several lines (a tally, a proof) starts under its name, indented.
  for (const field of reply.fields ?? []) lines.push(field.value.includes('\n') ? `${field.name}:\n${field.value.replace(/^/gm, '  ')}` : `${field.name}: ${field.value}`)
  if (reply.table) lines.push(formatTable(reply.table.columns, reply.table.rows))
  if (reply.text && reply.table) lines.push(reply.text)
  if (reply.code) lines.push(reply.code)
  if (reply.image) lines.push(`Chart: ${reply.image.url}`)
  const buttons = (reply.buttons ?? []).map((button, i) =>
    isActionButton(button) ? `[${buttonNumbers[i] ?? i + 1}] ${button.label}` : `${button.label}: ${button.url}`,
  )
  if (buttons.length) lines.push(buttons.join('   '))
  return lines.join('\n')
}

/** Columns padded to their widest cell; used in <pre> blocks too. */
export function formatTable(columns: string[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  return [line(columns), ...rows.map(line)].join('\n')
}
