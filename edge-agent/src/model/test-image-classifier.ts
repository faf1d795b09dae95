// Test-only: a tiny real image classifier, written as ONNX protobuf bytes by hand (the agent has no
// ONNX writer and needs none). Not exported from the package.
import type { Manifest } from '@edgefleet/protocol'

/** Colour classes: the class is the channel with the highest mean. */
export const COLOURS = ['red', 'green', 'blue'] as const

const key = (field: number, wire: 0 | 2): number[] => varint((field << 3) | wire)
const int = (field: number, v: number): number[] => [...key(field, 0), ...varint(v)]
const bytes = (field: number, body: readonly number[]): number[] => [...key(field, 2), ...varint(body.length), ...body]
const text = (field: number, s: string): number[] => bytes(field, [...new TextEncoder().encode(s)])

function varint(n: number): number[] {
  const out: number[] = []
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}

/** ValueInfoProto of a float tensor; string dims are symbolic. */
function floatInfo(name: string, dims: readonly (number | string)[]): number[] {
  const shape = dims.flatMap((d) => bytes(1, typeof d === 'number' ? int(1, d) : text(2, d)))
  // TypeProto.tensor_type { elem_type FLOAT (1), shape }
  return [...text(1, name), ...bytes(2, bytes(1, [...int(1, 1), ...bytes(2, shape)]))]
}

function node(op: string, input: string, output: string): number[] {
  return [...text(1, input), ...text(2, output), ...text(3, output), ...text(4, op)]
}

/**
 * An opset-17 model: `image` [batch, 3, H, W] → GlobalAveragePool → Flatten → Softmax (`probabilities`
 * [batch, 3]), or without the Softmax (`logits`). `batch` is a number (fixed) or a name (dynamic).
 */
export function colourClassifierOnnx(o: { batch: number | string; size: number; logits?: boolean }): Uint8Array {
  const out = o.logits ? 'logits' : 'probabilities'
  const graph = [
    ...bytes(1, node('GlobalAveragePool', 'image', 'pooled')),
    ...bytes(1, node('Flatten', 'pooled', o.logits ? 'logits' : 'flat')),
    ...(o.logits ? [] : bytes(1, node('Softmax', 'flat', 'probabilities'))),
    ...text(2, 'colour'),
    ...bytes(11, floatInfo('image', [o.batch, 3, o.size, o.size])),
    ...bytes(12, floatInfo(out, [o.batch, 3])),
  ]
  return Uint8Array.from([...int(1, 8), ...bytes(8, int(2, 17)), ...text(2, 'edgefleet-test'), ...bytes(7, graph)])
}

/** A manifest for {@link colourClassifierOnnx}: pixels scaled to 0..1, top-k 2, reference-free. */
export function colourClassifierManifest(o: { batch: number | string; size: number; logits?: boolean }): Manifest {
  return {
    formatVersion: 1,
    name: 'colour',
    version: '1.0.0',
    task: 'classification',
    createdAt: '2026-01-01T00:00:00.000Z',
    model: { file: 'model.onnx', sha256: '0'.repeat(64), size: 1 },
    inputs: [{
      name: 'image', dtype: 'float32', shape: [o.batch, 3, o.size, o.size], kind: 'image',
      preprocessing: { type: 'image', width: o.size, height: o.size, resize: 'stretch', channels: 'rgb', layout: 'nchw', scale: 1, mean: [0, 0, 0], std: [255, 255, 255] },
    }],
    outputs: [{ name: o.logits ? 'logits' : 'probabilities', dtype: 'float32', shape: [o.batch, 3], role: o.logits ? 'logits' : 'probabilities', labels: [...COLOURS] }],
    postprocessing: { type: 'classification', topK: 2 },
    reference: { sampleCount: 0, source: 'none', features: [], outputs: {} },
    drift: { windowSamples: 10, windowSeconds: 10 },
    selfTest: { tolerance: 1e-4, vectors: [{ inputs: { image: { kind: 'constant', value: 0 } }, expected: {} }] },
    training: { data: 'none', library: 'none', parent: null, metrics: {}, evaluations: [] },
  }
}

/** One prepared `size × size` frame of a solid colour, as the manifest's preprocessing would give it (nchw, 0..1). */
export function solidFrame(size: number, rgb: readonly [number, number, number]): Float32Array {
  const plane = size * size
  const t = new Float32Array(3 * plane)
  for (let c = 0; c < 3; c++) t.fill(rgb[c]! / 255, c * plane, (c + 1) * plane)
  return t
}
