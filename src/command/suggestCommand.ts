/** The closest command name within two edits (a typo), or one that starts with the input. */
export function suggestCommand(input: string, names: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined
  for (const name of names) {
    const distance = editDistance(input, name)
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance }
  }
  return best?.name ?? (input.length >= 2 ? names.find((name) => name.startsWith(input)) : undefined)
}

/** The option a mistyped name most likely meant: a typo within two edits
 *  (`cuont` → count), or an option with that word in it (`price` → max_price);
 *  undefined when none is close. */
export function suggestOption(input: string, names: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined
  for (const name of names) {
    const distance = editDistance(input, name)
    // Two edits turn any two-letter word into any other: only suggest when most of the word survives.
    if (distance <= 2 && distance < input.length - 1 && (!best || distance < best.distance)) best = { name, distance }
  }
  if (best) return best.name
  return input.length >= 3 ? names.find((name) => name.split('_').includes(input)) : undefined
}

/** Damerau-Levenshtein (optimal string alignment): a swap counts as one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0]![j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1)
    }
  }
  return d[a.length]![b.length]!
}
