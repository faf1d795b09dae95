import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HubError } from '../errors.ts'

/** The bundled agent in this repository (`edge-agent/dist/bundle`, written by its `build:bundle` script). */
export const DEFAULT_AGENT_BUNDLE_DIR = fileURLToPath(new URL('../../../edge-agent/dist/bundle', import.meta.url))

export const AGENT_BUNDLE_BUILD_COMMAND = 'npx --yes pnpm@12.4.2 --filter @edgefleet/edge-agent build:bundle'

/** What the build writes to `bundle.json`, last, so its presence means a complete build. */
export interface AgentBundle {
  dir: string
  agentVersion: string
  builtAt: string
  /** the file `start.sh` runs */
  main: string
  /** every file of the bundle, relative to `dir` */
  files: { path: string; bytes: number }[]
}

/**
 * Reads the built agent bundle in `dir` and checks that every file it lists is there.
 * HUB_AGENT_BUNDLE_MISSING (with the command that builds it) when it is not built or incomplete.
 */
export async function readAgentBundle(dir: string = DEFAULT_AGENT_BUNDLE_DIR): Promise<AgentBundle> {
  const infoPath = join(dir, 'bundle.json')
  let info: Omit<AgentBundle, 'dir'>
  try {
    info = JSON.parse(await readFile(infoPath, 'utf8')) as Omit<AgentBundle, 'dir'>
  } catch (cause) {
    throw new HubError('HUB_AGENT_BUNDLE_MISSING', `the agent bundle is not built (${infoPath} is missing or unreadable): build it with \`${AGENT_BUNDLE_BUILD_COMMAND}\` and flash again`, { cause })
  }
  const missing = Array.isArray(info.files) ? info.files.filter((f) => !existsSync(join(dir, f.path))).map((f) => f.path) : ['(no file list)']
  if (typeof info.main !== 'string' || missing.length > 0) {
    throw new HubError('HUB_AGENT_BUNDLE_MISSING', `the agent bundle in ${dir} is incomplete (missing: ${missing.join(', ') || 'main'}): rebuild it with \`${AGENT_BUNDLE_BUILD_COMMAND}\``)
  }
  return { dir, ...info }
}
