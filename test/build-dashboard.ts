import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const DASHBOARD = fileURLToPath(new URL('../dashboard/', import.meta.url))
const INPUTS = ['src', 'index.html', 'vite.config.ts', 'package.json', 'tsconfig.json']

/** Newest modification time of a file or of any file below a directory. */
function newest(path: string): number {
  if (!existsSync(path)) return 0
  const s = statSync(path)
  if (!s.isDirectory()) return s.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))))
}

/**
 * Builds the dashboard (`vite build` → dashboard/dist, which the hub serves at /) unless the build is newer
 * than every source file. The browser tests run against this build.
 */
export function buildDashboard(): void {
  const built = newest(join(DASHBOARD, 'dist', 'index.html'))
  if (built > 0 && built >= Math.max(...INPUTS.map((p) => newest(join(DASHBOARD, p))))) return
  execFileSync(process.execPath, [join(DASHBOARD, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: DASHBOARD, stdio: 'inherit' })
}
