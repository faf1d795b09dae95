import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { BUNDLE_WASM_DIR, NODE_WASM_FILES } from '../src/backends/wasm-files.ts'
import { AGENT_VERSION } from '../src/version.ts'

const AGENT_DIR = fileURLToPath(new URL('../', import.meta.url))

/** Where `build:bundle` writes the agent bundle (git-ignored); `edgefleet flash` copies it from here. */
export const BUNDLE_DIR = join(AGENT_DIR, 'dist', 'bundle')
/** The agent CLI in one file: `node edgefleet-agent.mjs run --config config.json`. */
export const BUNDLE_MAIN = 'edgefleet-agent.mjs'
/** The CSV parse worker (`--parse-worker`), loaded by the main file from beside it. */
export const BUNDLE_CSV_WORKER = 'csv-worker.mjs'
/** Lists the bundle's files with their sizes and the agent version; written last, so its presence means a complete build. */
export const BUNDLE_INFO = 'bundle.json'

/** What `bundle.json` holds. */
export interface BundleInfo {
  agentVersion: string
  builtAt: string
  /** the bundle file to run with node */
  main: string
  /** every file of the bundle, relative to its directory, with its size in bytes */
  files: { path: string; bytes: number }[]
}

/**
 * Native modules stay outside: onnxruntime-node is optional (the agent falls back to WASM) and sharp
 * is needed only by camera sources (imported on first use); bufferutil and utf-8-validate are ws's
 * optional accelerators, which it tries and does without.
 */
const EXTERNAL = ['onnxruntime-node', 'sharp', 'bufferutil', 'utf-8-validate']

/**
 * Bundles the agent CLI for a device that has only `node` (>= 20): one ESM file with everything but
 * native modules inside (onnxruntime-web's JS included), the CSV parse worker, and onnxruntime-web's
 * Node WASM files in `wasm/` (the bundle points `env.wasm.wasmPaths` there). Returns the bundle's info.
 */
export async function bundleAgent(outDir: string = BUNDLE_DIR): Promise<BundleInfo> {
  // built beside and renamed into place, so a flash (or a test) never copies a half-written bundle
  const building = `${outDir}.building-${process.pid}`
  rmSync(building, { recursive: true, force: true })
  mkdirSync(join(building, BUNDLE_WASM_DIR), { recursive: true })
  try {
    const info = await buildInto(building)
    const old = `${outDir}.old-${process.pid}`
    if (existsSync(outDir)) renameSync(outDir, old)
    renameSync(building, outDir)
    rmSync(old, { recursive: true, force: true })
    return info
  } finally {
    rmSync(building, { recursive: true, force: true })
  }
}

async function buildInto(outDir: string): Promise<BundleInfo> {
  const common = {
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: 'node20',
    minify: true,
    keepNames: true,
    legalComments: 'none' as const,
    external: EXTERNAL,
    define: { EDGEFLEET_AGENT_BUNDLE: 'true' },
    // CommonJS dependencies bundled into ESM still call require() for Node built-ins
    banner: { js: "import { createRequire as __edgefleetRequire } from 'node:module'; const require = __edgefleetRequire(import.meta.url);" },
    logLevel: 'error' as const,
  }
  await build({ ...common, entryPoints: [join(AGENT_DIR, 'src/cli/main.ts')], outfile: join(outDir, BUNDLE_MAIN) })
  await build({ ...common, entryPoints: [join(AGENT_DIR, 'src/sources/csv-worker.ts')], outfile: join(outDir, BUNDLE_CSV_WORKER) })
  const ortDist = dirname(createRequire(join(AGENT_DIR, 'package.json')).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'))
  for (const file of NODE_WASM_FILES) copyFileSync(join(ortDist, file), join(outDir, BUNDLE_WASM_DIR, file))
  const info: BundleInfo = { agentVersion: AGENT_VERSION, builtAt: new Date().toISOString(), main: BUNDLE_MAIN, files: listFiles(outDir) }
  writeFileSync(join(outDir, BUNDLE_INFO), `${JSON.stringify(info, null, 2)}\n`)
  return info
}

function listFiles(dir: string, root = dir): { path: string; bytes: number }[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), root) : [{ path: relative(root, join(dir, e.name)), bytes: statSync(join(dir, e.name)).size }]))
    .sort((a, b) => a.path.localeCompare(b.path))
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const info = await bundleAgent()
  for (const f of info.files) process.stdout.write(`  ${f.path.padEnd(40)} ${mib(f.bytes).padStart(10)}\n`)
  process.stdout.write(`agent bundle ${info.agentVersion} → ${relative(process.cwd(), BUNDLE_DIR) || '.'} (${mib(info.files.reduce((s, f) => s + f.bytes, 0))})\n`)
}
