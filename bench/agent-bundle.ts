import { join } from 'node:path'
import { BUNDLE_DIR, BUNDLE_MAIN, bundleAgent as buildBundle } from '../edge-agent/scripts/bundle.ts'

/**
 * Bundles the agent CLI as a device runs it (the same build `edgefleet flash` ships: one JS file,
 * onnxruntime-web inside, its WASM files in `wasm/` beside it) and returns the file to run with plain
 * `node`. onnxruntime-node stays outside and loads from the workspace, so `--backend native` still runs.
 */
export async function bundleAgent(): Promise<string> {
  await buildBundle()
  return join(BUNDLE_DIR, BUNDLE_MAIN)
}
