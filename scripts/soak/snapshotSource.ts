import { cpSync, mkdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'

/** What the product and the agent need at run time (tsx compiles from source). */
const ENTRIES = ['src', 'commands', 'drizzle', 'contracts', 'scripts', 'package.json', 'tsconfig.json']

/** Copies the source the soak runs into its data directory, so every restart
 *  runs the same code even while the working tree changes (a half-made edit
 *  would otherwise fail a restart). node_modules is linked, not copied. */
export function snapshotSource(root: string, dir: string): string {
  const copy = join(dir, 'source')
  mkdirSync(copy, { recursive: true })
  for (const entry of ENTRIES) cpSync(join(root, entry), join(copy, entry), { recursive: true, filter: (path) => !path.includes('__pycache__') })
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir')
  return copy
}
