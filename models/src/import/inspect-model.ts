import { readFile } from 'node:fs/promises'
import type { InferenceSession } from 'onnxruntime-web'
import { ImportError } from '../errors.ts'
import { createOrtSession } from '../build/onnx/ort-session.ts'
import { onnx } from '../build/onnx/onnx-proto-helpers.ts'

/** A dimension as the manifest writes it: a fixed size, or a name for a dynamic one. */
export type Dimension = number | string

/** One graph input or output, as onnxruntime-web reports it, with its dimensions normalised. */
export interface TensorInfo {
  name: string
  /** onnxruntime's element type name (`float32`, `int64`, …), or `(not a tensor)` for sequences and maps */
  type: string
  isTensor: boolean
  shape: Dimension[]
}

/** What inspecting an ONNX file found. */
export interface InspectedModel {
  bytes: Uint8Array
  /** the default-domain (`ai.onnx`) opset it imports */
  opset: number | undefined
  /** who wrote the file (`pytorch 2.3`, `tf2onnx 1.16`), from the model's producer fields */
  producer: string | undefined
  inputs: TensorInfo[]
  outputs: TensorInfo[]
}

const DIM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/
const MAX_FIXED = 1 << 20

/**
 * One dimension of onnxruntime's metadata, normalised for the manifest schema: sizes 1..2^20 stay
 * numbers; symbolic names that fit the schema stay; anything else dynamic (unnamed dimensions come as
 * -1, 0 or 4294967295 depending on the exporter, names may hold spaces) becomes `d<index>`.
 */
export function normaliseDim(dim: number | string, index: number): Dimension {
  if (typeof dim === 'number') return Number.isInteger(dim) && dim >= 1 && dim <= MAX_FIXED ? dim : `d${index}`
  return DIM_NAME.test(dim) ? dim : `d${index}`
}

function tensorInfo(m: InferenceSession.ValueMetadata): TensorInfo {
  if (!m.isTensor) return { name: m.name, type: '(not a tensor)', isTensor: false, shape: [] }
  return { name: m.name, type: m.type, isTensor: true, shape: m.shape.map((d, i) => normaliseDim(d, i)) }
}

/** `name type [d0, d1, …]`, for messages. */
export function describeTensor(t: TensorInfo): string {
  return t.isTensor ? `${t.name} ${t.type} [${t.shape.join(', ')}]` : `${t.name} ${t.type}`
}

/**
 * Reads an ONNX file and opens it with onnxruntime-web's WASM backend, the runtime every agent has:
 * a model that does not load here cannot serve anywhere. Returns the open session (release it) and
 * what the graph declares. IMPORT_MODEL_UNREADABLE for a missing or non-ONNX file, IMPORT_LOAD_FAILED
 * with the runtime's own reason (an operator it lacks, an opset it does not know) otherwise.
 */
export async function inspectModel(path: string): Promise<{ model: InspectedModel; session: InferenceSession }> {
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(await readFile(path))
  } catch (cause) {
    throw new ImportError('IMPORT_MODEL_UNREADABLE', `cannot read ${path}: ${(cause as Error).message}`, { cause })
  }
  if (bytes.byteLength === 0) throw new ImportError('IMPORT_MODEL_UNREADABLE', `${path} is empty: give the .onnx file your framework exported`)
  let header: { opset: number | undefined; producer: string | undefined }
  try {
    header = readHeader(bytes)
  } catch (cause) {
    throw new ImportError('IMPORT_MODEL_UNREADABLE', `${path} is not an ONNX model (its bytes do not parse as an ONNX ModelProto: ${(cause as Error).message}); export the model to ONNX first (torch.onnx.export, tf2onnx, skl2onnx)`, { cause })
  }
  let session: InferenceSession
  try {
    session = await createOrtSession(bytes)
  } catch (cause) {
    throw new ImportError('IMPORT_LOAD_FAILED', `onnxruntime-web (WASM, the backend every agent has) cannot load ${path}: ${runtimeReason(cause)}. ` +
      'Re-export the model with standard ONNX operators (no custom domains) at an opset onnxruntime supports, or simplify the graph (onnxsim)', { cause })
  }
  return { model: { bytes, ...header, inputs: session.inputMetadata.map(tensorInfo), outputs: session.outputMetadata.map(tensorInfo) }, session }
}

/** The useful part of onnxruntime's error: its ERROR_MESSAGE, without the wrapper text. */
export function runtimeReason(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause)
  const m = /ERROR_MESSAGE:\s*([\s\S]*)$/.exec(text)
  return (m ? m[1]! : text).trim().replace(/\s+/g, ' ').slice(0, 600)
}

/** The opset and producer of a serialised model (throws when the bytes are not a ModelProto). */
function readHeader(bytes: Uint8Array): { opset: number | undefined; producer: string | undefined } {
  const decoded = onnx.ModelProto.decode(bytes)
  if (!decoded.graph) throw new Error('it has no graph')
  const entry = decoded.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')
  const opset = entry?.version === undefined || entry.version === null ? undefined : Number(entry.version)
  const producer = [decoded.producerName, decoded.producerVersion].filter((p) => p).join(' ') || undefined
  return { opset, producer }
}
