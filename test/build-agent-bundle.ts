import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const AGENT = join(ROOT, 'edge-agent')
/** Everything the bundle is made from: the agent and the workspace packages it bundles. */
const INPUTS = ['edge-agent/src', 'edge-agent/scripts', 'edge-agent/package.json', 'protocol/src', 'models/src', 'models/package.json']

/** Written last by the bundle build: its time is the build's. */
export const AGENT_BUNDLE_INFO = join(AGENT, 'dist', 'bundle', 'bundle.json')

/** Newest modification time of a file or of any file below a directory. */
function newest(path: string): number {
  if (!existsSync(path)) return 0
  const s = statSync(path)
  if (!s.isDirectory()) return s.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))))
}

/**
 * Builds the agent bundle (`build:bundle` → edge-agent/dist/bundle, which `edgefleet flash` copies)
 * unless the build is newer than every source file it is made from. The flash tests run against it.
 */
export function buildAgentBundle(): void {
  const built = newest(AGENT_BUNDLE_INFO)
  if (built > 0 && built >= Math.max(...INPUTS.map((p) => newest(join(ROOT, p))))) return
  execFileSync(process.execPath, ['--import', 'tsx', join(AGENT, 'scripts', 'bundle.ts')], { cwd: AGENT, stdio: ['ignore', 'ignore', 'inherit'] })
}
