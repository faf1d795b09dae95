import * as ort from 'onnxruntime-web'

/** A float32 tensor for {@link runFloat}: row-major values and dimensions. */
export interface FloatTensor {
  data: Float32Array
  dims: readonly number[]
}

/**
 * Opens an onnxruntime-web (WASM) session on model bytes: one thread, so results do not depend on the
 * machine's core count, and warnings silenced (`logSeverityLevel: 3`; ORT warns about initializers
 * that are also graph inputs, which is harmless). Release it with `session.release()`.
 */
export async function createOrtSession(model: Uint8Array): Promise<ort.InferenceSession> {
  ort.env.wasm.numThreads = 1
  ort.env.logLevel = 'error'
  return ort.InferenceSession.create(model, { executionProviders: ['wasm'], logSeverityLevel: 3, graphOptimizationLevel: 'all' })
}

/**
 * Runs a session on float32 inputs and returns every output by name as float32. Integer and float64
 * outputs are converted, as the agent converts them (a classifier's int64 `label` output beside its
 * probabilities); other element types (strings, float16, bool) throw a TypeError.
 */
export async function runFloat(session: ort.InferenceSession, feeds: Record<string, FloatTensor>): Promise<Record<string, Float32Array>> {
  const inputs: Record<string, ort.Tensor> = {}
  for (const [name, t] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', t.data, [...t.dims])
  const results = await session.run(inputs)
  const out: Record<string, Float32Array> = {}
  try {
    for (const [name, tensor] of Object.entries(results)) {
      out[name] = floatData(name, tensor)
    }
  } finally {
    for (const tensor of Object.values(results)) tensor.dispose()
    for (const tensor of Object.values(inputs)) tensor.dispose()
  }
  return out
}

/** Runs `model` once on `feeds`, closing the session afterwards. */
export async function runOnce(model: Uint8Array, feeds: Record<string, FloatTensor>): Promise<Record<string, Float32Array>> {
  const session = await createOrtSession(model)
  try {
    return await runFloat(session, feeds)
  } finally {
    await session.release()
  }
}

function floatData(name: string, tensor: ort.Tensor): Float32Array {
  switch (tensor.type) {
    case 'float32':
      return (tensor.data as Float32Array).slice()
    case 'float64':
    case 'int32':
    case 'uint8':
    case 'int8':
      return Float32Array.from(tensor.data as ArrayLike<number>)
    case 'int64':
      return Float32Array.from(tensor.data as BigInt64Array, (v) => Number(v))
    default:
      throw new TypeError(`output ${name} is ${tensor.type}; edgefleet reads numeric outputs (float32, float64, int64, int32, uint8, int8)`)
  }
}
