import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const AGENT = join(ROOT, 'edge-agent')
/** The page's own files and everything its bundle takes from the workspace. */
const INPUTS = [
  'edge-agent/browser/src', 'edge-agent/browser/index.html', 'edge-agent/browser/vite.config.ts', 'edge-agent/package.json',
  'edge-agent/src/errors.ts', 'edge-agent/src/uplink', 'edge-agent/src/deploy/version-order.ts',
  'protocol/src', 'models/src/vision', 'models/src/drift',
]

/** The built page the hub serves at /agent. */
export const BROWSER_AGENT_INDEX = join(AGENT, 'dist', 'browser', 'index.html')

/** Newest modification time of a file or of any file below a directory. */
function newest(path: string): number {
  if (!existsSync(path)) return 0
  const s = statSync(path)
  if (!s.isDirectory()) return s.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))))
}

/**
 * Builds the browser agent (`vite build` → edge-agent/dist/browser, which the hub serves at /agent)
 * unless the build is newer than every source file it is made from. The browser-agent tests run against it.
 */
export function buildBrowserAgent(): void {
  const built = newest(BROWSER_AGENT_INDEX)
  if (built > 0 && built >= Math.max(...INPUTS.map((p) => newest(join(ROOT, p))))) return
  execFileSync(process.execPath, [join(AGENT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '-c', 'browser/vite.config.ts', '--logLevel', 'warn'], { cwd: AGENT, stdio: 'inherit' })
}
