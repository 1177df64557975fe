/** Canonical GPU model names, so search works across providers whatever the
 *  driver calls a card: "NVIDIA H100 80GB HBM3" → "H100-80GB". */
const KNOWN: { pattern: RegExp; model: string; memoryGb: number }[] = [
  { pattern: /\bH200\b/i, model: 'H200-141GB', memoryGb: 141 },
  { pattern: /\bH100\b.*\b94\s?GB\b|\bH100\s?NVL\b/i, model: 'H100-94GB', memoryGb: 94 },
  { pattern: /\bH100\b/i, model: 'H100-80GB', memoryGb: 80 },
  { pattern: /\bGH200\b/i, model: 'GH200-96GB', memoryGb: 96 },
  { pattern: /\bA100\b.*\b40\s?GB\b/i, model: 'A100-40GB', memoryGb: 40 },
  { pattern: /\bA100\b/i, model: 'A100-80GB', memoryGb: 80 },
  { pattern: /\bL40S\b/i, model: 'L40S-48GB', memoryGb: 48 },
  { pattern: /\bL40\b/i, model: 'L40-48GB', memoryGb: 48 },
  { pattern: /\bL4\b/i, model: 'L4-24GB', memoryGb: 24 },
  { pattern: /\bA10G?\b/i, model: 'A10-24GB', memoryGb: 24 },
  { pattern: /\bT4\b/i, model: 'T4-16GB', memoryGb: 16 },
  { pattern: /\bV100\b.*\b16\s?GB\b/i, model: 'V100-16GB', memoryGb: 16 },
  { pattern: /\bV100\b/i, model: 'V100-32GB', memoryGb: 32 },
  { pattern: /\bRTX\s?6000\s?Ada\b/i, model: 'RTX6000ADA-48GB', memoryGb: 48 },
  { pattern: /\bRTX\s?A6000\b/i, model: 'RTXA6000-48GB', memoryGb: 48 },
  { pattern: /\b(RTX\s?)?5090\b/i, model: 'RTX5090-32GB', memoryGb: 32 },
  { pattern: /\b(RTX\s?)?4090\b/i, model: 'RTX4090-24GB', memoryGb: 24 },
  { pattern: /\b(RTX\s?)?4080\b/i, model: 'RTX4080-16GB', memoryGb: 16 },
  { pattern: /\b(RTX\s?)?3090\b/i, model: 'RTX3090-24GB', memoryGb: 24 },
]

export interface CanonicalGpu {
  model: string
  memoryMb: number
}

/** Maps a driver or user name (and the reported memory) to the catalogue. Unknown
 *  cards get a stable name from their words and memory, e.g. "MI300X-192GB". */
export function canonicalGpu(name: string, memoryMb?: number): CanonicalGpu {
  const trimmed = name.trim()
  const canonicalAlready = /^([A-Z0-9]+)-(\d+)GB$/i.exec(trimmed)
  for (const known of KNOWN) {
    if (known.pattern.test(trimmed)) return { model: known.model, memoryMb: memoryMb ?? known.memoryGb * 1024 }
  }
  if (canonicalAlready) return { model: trimmed.toUpperCase(), memoryMb: memoryMb ?? Number(canonicalAlready[2]) * 1024 }
  const words = trimmed
    .replace(/\b(NVIDIA|GeForce|Tesla|Quadro|AMD|Radeon|Instinct|PCIe|SXM\d?|HBM\d?e?|\d+\s?GB)\b/gi, '')
    .replace(/[^A-Za-z0-9]/g, '')
    .toUpperCase()
  const gb = memoryMb ? Math.round(memoryMb / 1024) : 0
  return { model: `${words || 'GPU'}-${gb}GB`, memoryMb: memoryMb ?? 0 }
}

/** For user input: "h100", "4090", "H100-80GB" → the canonical model, if known. */
export function resolveModelQuery(query: string, available: readonly string[]): string | undefined {
  const upper = query.trim().toUpperCase()
  const exact = available.find((m) => m === upper)
  if (exact) return exact
  const fromCatalogue = KNOWN.find((k) => k.pattern.test(query))?.model
  if (fromCatalogue) return fromCatalogue
  const prefix = available.filter((m) => m.startsWith(upper) || m.replace(/^RTX/, '').startsWith(upper))
  return prefix.length === 1 ? prefix[0] : undefined
}
