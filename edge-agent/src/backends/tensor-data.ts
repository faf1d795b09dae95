import { AgentError } from '../errors.ts'
import type { TensorData } from './backend.ts'

/** The part of an onnxruntime Tensor (web or node) we read. */
interface OrtTensorLike {
  type: string
  data: unknown
  dims: readonly number[]
}

/** Converts a runtime output tensor to float32 TensorData (models with other output types are refused). */
export function toTensorData(name: string, t: OrtTensorLike): TensorData {
  if (t.type === 'float32' && t.data instanceof Float32Array) return { data: t.data, dims: t.dims }
  if (t.type === 'float64' || t.type === 'int32' || t.type === 'uint8' || t.type === 'int8') {
    return { data: Float32Array.from(t.data as ArrayLike<number>), dims: t.dims }
  }
  if (t.type === 'int64') {
    return { data: Float32Array.from(t.data as BigInt64Array, (v) => Number(v)), dims: t.dims }
  }
  throw new AgentError('MODEL_INPUT_UNSUPPORTED', `model output ${name} has type ${t.type}; edgefleet reads numeric outputs only`)
}

/** The part of an onnxruntime InferenceSession (web or node) the backends use. */
export interface OrtSessionLike<T> {
  run(feeds: Record<string, T>): Promise<Record<string, OrtTensorLike>>
}

/** Runs a session on float32 feeds, building each runtime's own Tensor with `tensor`, and reads the outputs. */
export async function runSession<T>(
  session: OrtSessionLike<T>,
  tensor: (t: TensorData) => T,
  feeds: Readonly<Record<string, TensorData>>,
): Promise<Record<string, TensorData>> {
  const inputs: Record<string, T> = {}
  for (const [name, t] of Object.entries(feeds)) inputs[name] = tensor(t)
  const outputs = await session.run(inputs)
  const result: Record<string, TensorData> = {}
  for (const [name, t] of Object.entries(outputs)) result[name] = toTensorData(name, t)
  return result
}
