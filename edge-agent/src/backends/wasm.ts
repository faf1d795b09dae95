import * as ort from 'onnxruntime-web'
import type { BackendOptions, InferenceBackend } from './backend.ts'
import { runSession } from './tensor-data.ts'
import { bundledWasmPaths } from './wasm-files.ts'

let wasmConfigured = false

/** onnxruntime-web on its WASM (SIMD) backend: the default in Node, the fallback in browsers. */
export async function createWasmBackend(model: Uint8Array, options: BackendOptions = {}): Promise<InferenceBackend> {
  if (!wasmConfigured) {
    // the WASM runtime reads these once, when the first session initialises it
    ort.env.wasm.numThreads = options.threads ?? 1
    ort.env.logLevel = 'error'
    const wasmPaths = bundledWasmPaths()
    if (wasmPaths) ort.env.wasm.wasmPaths = wasmPaths
    wasmConfigured = true
  }
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  })
  return {
    kind: 'wasm',
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    run: (feeds) => runSession(session, (t) => new ort.Tensor('float32', t.data, t.dims), feeds),
    close: () => session.release(),
  }
}
