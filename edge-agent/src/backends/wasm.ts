import * as ort from 'onnxruntime-web'
import type { BackendOptions, InferenceBackend, TensorData } from './backend.ts'
import { toTensorData } from './tensor-data.ts'

let wasmConfigured = false

/** onnxruntime-web on its WASM (SIMD) backend: the default in Node, the fallback in browsers. */
export async function createWasmBackend(model: Uint8Array, options: BackendOptions = {}): Promise<InferenceBackend> {
  if (!wasmConfigured) {
    // the WASM runtime reads these once, when the first session initialises it
    ort.env.wasm.numThreads = options.threads ?? 1
    ort.env.logLevel = 'error'
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
    async run(feeds: Readonly<Record<string, TensorData>>): Promise<Record<string, TensorData>> {
      const inputs: Record<string, ort.Tensor> = {}
      for (const [name, t] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', t.data, t.dims)
      const outputs = await session.run(inputs)
      const result: Record<string, TensorData> = {}
      for (const [name, t] of Object.entries(outputs)) result[name] = toTensorData(name, t)
      return result
    },
    close: () => session.release(),
  }
}
