import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
/** onnxruntime-web's dist/ (its package.json is not exported: go through its Node entry). */
const ortDist = dirname(require.resolve('onnxruntime-web'))
const ortVersion = (JSON.parse(readFileSync(join(ortDist, '..', 'package.json'), 'utf8')) as { version: string }).version
const agentVersion = (JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')) as { version: string }).version
const outDir = join(here, '..', 'dist', 'browser')
/** under assets/ (cached for good by the hub) and named by version, so an upgrade is a new URL */
const ortAssets = `assets/ort-${ortVersion}/`
/**
 * The WebAssembly runtimes onnxruntime-web loads at run time from `ort.env.wasm.wasmPaths` (the builds
 * chosen by the `onnxruntime-web-use-extern-wasm` condition below do not inline them): the plain one of
 * `onnxruntime-web/wasm`, and the asyncify one of `onnxruntime-web/webgpu` (native WebGPU provider),
 * fetched only by browsers with a WebGPU adapter. Served by the hub with the page: no CDN.
 */
const ORT_FILES = ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm']

function copyOrtRuntime(): Plugin {
  return {
    name: 'edgefleet-copy-ort-runtime',
    apply: 'build',
    writeBundle() {
      mkdirSync(join(outDir, ortAssets), { recursive: true })
      for (const file of ORT_FILES) copyFileSync(join(ortDist, file), join(outDir, ortAssets, file))
    },
  }
}

/** The browser agent: served by the hub at /agent (hub/src/plugins/agent-page.ts). */
export default defineConfig({
  root: here,
  base: '/agent/',
  define: {
    __EF_ORT_ASSETS__: JSON.stringify(ortAssets),
    __EF_AGENT_VERSION__: JSON.stringify(`${agentVersion}+browser`),
  },
  resolve: {
    // onnxruntime-web's build without the runtime inlined: the .wasm/.mjs come from wasmPaths
    conditions: ['onnxruntime-web-use-extern-wasm', 'module', 'browser', 'development|production'],
  },
  plugins: [copyOrtRuntime()],
  build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2048 },
})
