/** A tensor as the backends exchange it: always a flat typed array plus its dimensions. */
export interface TensorData {
  data: Float32Array
  dims: readonly number[]
}

export type BackendKind = 'wasm' | 'native'

/** One loaded ONNX model on one runtime. Each implementation passes `backend.contract.test.ts`. */
export interface InferenceBackend {
  readonly kind: BackendKind
  readonly inputNames: readonly string[]
  readonly outputNames: readonly string[]
  /** Runs the model once. Inputs are float32; outputs are returned as float32. */
  run(feeds: Readonly<Record<string, TensorData>>): Promise<Record<string, TensorData>>
  /** Releases the session. */
  close(): Promise<void>
}

export interface BackendOptions {
  /** intra-op threads (wasm: `ort.env.wasm.numThreads`, applied at the first wasm load) */
  threads?: number
}
