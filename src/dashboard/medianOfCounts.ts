/** The median of `total` values given as ascending (value, count) pairs; for
 *  an even total, the mean of the two middle values rounded down (base units). */
export function medianOfCounts(counts: [bigint, number][], total: number): bigint {
  const at = (position: number) => {
    let seen = 0
    for (const [value, count] of counts) if ((seen += count) > position) return value
    throw new Error(`position ${position} is past the ${seen} counted values`)
  }
  return total % 2 ? at((total - 1) / 2) : (at(total / 2 - 1) + at(total / 2)) / 2n
}
