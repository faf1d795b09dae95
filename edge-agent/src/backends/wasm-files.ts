/** Set to `true` by the bundle build (esbuild `define`); undeclared when the agent runs from source. */
declare const EDGEFLEET_AGENT_BUNDLE: boolean | undefined

/**
 * The onnxruntime-web files the agent needs on Node: the WASM (SIMD, threads optional) build and its
 * Emscripten loader. Not the WebGPU/JSEP, JSPI or asyncify variants: the Node agent runs the `wasm`
 * execution provider only.
 */
export const NODE_WASM_FILES = ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'] as const

/** The directory beside the bundled agent file that holds {@link NODE_WASM_FILES}. */
export const BUNDLE_WASM_DIR = 'wasm'

/**
 * In the bundled agent, the URL prefix (ending in `/`) of the `wasm/` directory beside the bundle
 * file, for onnxruntime-web's `env.wasm.wasmPaths`; from source `undefined`, and onnxruntime-web finds
 * its files in its own package.
 */
export function bundledWasmPaths(): string | undefined {
  if (typeof EDGEFLEET_AGENT_BUNDLE === 'undefined' || !EDGEFLEET_AGENT_BUNDLE) return undefined
  // in the bundle, import.meta.url is the bundle file's own URL
  return new URL(`./${BUNDLE_WASM_DIR}/`, import.meta.url).href
}
