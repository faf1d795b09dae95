import { onnx } from './onnx-proto-helpers.ts'

/** The default-domain (`ai.onnx`) opset a serialised model imports, or undefined when it has none. */
export function readOpset(model: Uint8Array): number | undefined {
  const decoded = onnx.ModelProto.decode(model)
  const entry = decoded.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')
  return entry?.version === undefined || entry.version === null ? undefined : Number(entry.version)
}
