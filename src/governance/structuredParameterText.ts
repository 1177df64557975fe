/** A structured (JSON) parameter value as short `key = value` items wrapped
 *  to a terminal's width, so `/admin params` stays readable at 80 columns.
 *  Nested objects flatten to dotted keys. Returns undefined for plain values. */
export function structuredParameterText(value: string, width = 72): string | undefined {
  if (!value.startsWith('{')) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return undefined
  }
  const items: string[] = []
  const walk = (prefix: string, node: unknown) => {
    if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
      for (const [key, child] of Object.entries(node)) walk(prefix ? `${prefix}.${key}` : key, child)
    } else items.push(`${prefix} = ${typeof node === 'string' ? node : JSON.stringify(node)}`)
  }
  walk('', parsed)
  const lines: string[] = []
  for (const item of items) {
    const last = lines.length - 1
    if (last >= 0 && lines[last]!.length + 2 + item.length <= width) lines[last] += `, ${item}`
    else lines.push(item)
  }
  return lines.join('\n')
}
