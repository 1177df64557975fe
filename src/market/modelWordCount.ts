import { resolveModelQuery } from './gpuCatalogue.ts'

/** How many of the typed words name one GPU model: 2 for "RTX 4090 2"
 *  (RTX alone is no model), 2 for "A100 40GB" (a different card than A100),
 *  1 for "H100 4" (4 adds nothing: it is the next option). */
export function modelWordCount(words: readonly string[]): number {
  const alone = resolveModelQuery(words[0] ?? '', [])
  for (let count = 2; count <= Math.min(3, words.length); count++) {
    const joined = resolveModelQuery(words.slice(0, count).join(' '), [])
    if (joined !== undefined && joined !== alone) return count
  }
  return 1
}
