import { join } from 'node:path'
import { build } from 'esbuild'
import { REPO_ROOT } from '@edgefleet/models'

/** Where the bundled agent CLI goes (git-ignored): one JS file plus its CSV parse worker. */
export const BUNDLE_DIR = join(REPO_ROOT, 'edge-agent', 'dist')
export const BUNDLE_MAIN = join(BUNDLE_DIR, 'edgefleet-agent.mjs')

/**
 * Bundles the agent CLI as a device would run it: plain JavaScript on plain `node`, no TypeScript
 * loader. onnxruntime stays external (its WASM and native binaries load from its package).
 */
export async function bundleAgent(): Promise<string> {
  const common = {
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: 'node20',
    external: ['onnxruntime-web', 'onnxruntime-node'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'error' as const,
  }
  await build({ ...common, entryPoints: [join(REPO_ROOT, 'edge-agent/src/cli/main.ts')], outfile: BUNDLE_MAIN })
  await build({ ...common, entryPoints: [join(REPO_ROOT, 'edge-agent/src/sources/csv-worker.ts')], outfile: join(BUNDLE_DIR, 'csv-worker.js') })
  return BUNDLE_MAIN
}
