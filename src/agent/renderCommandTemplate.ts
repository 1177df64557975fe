/** The placeholders a --launcher template may use. */
export const TEMPLATE_PLACEHOLDERS = ['rentalId', 'gpus', 'endsAt', 'secret', 'port', 'image', 'sshPublicKeys'] as const
export type TemplateValues = Record<(typeof TEMPLATE_PLACEHOLDERS)[number], string>

/** Fills a `sh -c` command template. Each value is escaped for the quoting
 *  it lands in, so `{secret}` is safe bare, inside "…" and inside '…' alike:
 *  a template author need not think about what the coordinator may send.
 *  Other braces (`${HOME}`, JavaScript objects) are left alone. */
export function renderCommandTemplate<Name extends string = keyof TemplateValues>(template: string, values: Record<Name, string>): string {
  // Placeholder names are plain words (rentalId, seed…): safe inside a pattern.
  const placeholderPattern = new RegExp(`^\\{(${Object.keys(values).join('|')})\\}`)
  let out = ''
  let quote: 'none' | 'single' | 'double' = 'none'
  for (let i = 0; i < template.length; ) {
    const placeholder = placeholderPattern.exec(template.slice(i))
    if (placeholder) {
      out += escapeFor(quote, values[placeholder[1] as Name])
      i += placeholder[0].length
      continue
    }
    const char = template[i]
    if (char === '\\' && quote !== 'single') {
      out += template.slice(i, i + 2)
      i += 2
      continue
    }
    if (char === "'" && quote !== 'double') quote = quote === 'single' ? 'none' : 'single'
    else if (char === '"' && quote !== 'single') quote = quote === 'double' ? 'none' : 'double'
    out += char
    i++
  }
  return out
}

function escapeFor(quote: 'none' | 'single' | 'double', value: string): string {
  if (quote === 'single') return value.replaceAll("'", `'\\''`)
  if (quote === 'double') return value.replace(/[$`"\\]/g, '\\$&')
  // Bare words of safe characters stay readable (ports, ids, ISO times, uuids).
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`
}
