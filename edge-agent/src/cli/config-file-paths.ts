import { isAbsolute, resolve } from 'node:path'
import { SHIPPED_MODELS } from '@edgefleet/models'

/** Settings that name one file or directory. */
const PATH_KEYS = ['stateDir', 'hubPublicKey', 'ca', 'out', 'driftOut'] as const
/** Settings that name several. */
const PATH_LIST_KEYS = ['csv', 'jsonl', 'frames'] as const

/**
 * Resolves the relative paths of a config file's settings against the file's directory, so a config
 * means the same from any working directory (a flashed bundle's `config.json` names `./model` and
 * `./state` beside itself). `model` stays as written when it names a shipped model; flags and
 * environment variables are left to the working directory, as on any command line.
 */
export function resolveConfigFilePaths(settings: Record<string, unknown>, dir: string): Record<string, unknown> {
  const at = (value: unknown): unknown => (typeof value === 'string' && value !== '' && value !== '-' && !isAbsolute(value) ? resolve(dir, value) : value)
  const out = { ...settings }
  for (const key of PATH_KEYS) if (key in out) out[key] = at(out[key])
  for (const key of PATH_LIST_KEYS) if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map(at)
  if (typeof out.model === 'string' && !(SHIPPED_MODELS as readonly string[]).includes(out.model)) out.model = at(out.model)
  return out
}
