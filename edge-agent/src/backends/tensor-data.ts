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
