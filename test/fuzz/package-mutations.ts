import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import onnxProto from 'onnx-proto'
import { shippedPackageDir } from '@edgefleet/models'
import type { Manifest } from '@edgefleet/protocol'
import { EDGE_NUMBERS, INVALID_UTF8 } from './malformed.ts'

const { onnx } = onnxProto

/**
 * Damaged model packages made from the shipped gas-sensor package, for the fuzz tests of the hub's
 * upload and the agent's activation: truncated or bit-flipped ONNX files (with the manifest's digest
 * updated or not), ONNX protobufs with absurd tensor dimensions, corrupt manifests, manifests with
 * absurd input and output shapes, wrong digests and sizes, and mutated manifest fields.
 */

/** One damaged package: manifest bytes, ONNX bytes, and the kind of damage. */
export interface DamagedPackage {
  category: string
  manifest: Buffer
  onnx: Buffer
}

export interface IntactPackage {
  manifest: Manifest
  onnx: Buffer
}

/** The shipped gas-sensor package, unsigned. */
export function intactPackage(): IntactPackage {
  const dir = shippedPackageDir('gas-sensor')
  const { signature: _none, ...manifest } = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest
  return { manifest, onnx: readFileSync(join(dir, manifest.model.file)) }
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

/** The manifest describing `onnx` (digest and size updated) or, with `rehash` false, the original one. */
function manifestFor(base: Manifest, onnxBytes: Buffer, rehash: boolean): Manifest {
  return rehash ? { ...base, model: { ...base.model, sha256: sha256(onnxBytes), size: onnxBytes.length } } : base
}

const json = (m: unknown): Buffer => Buffer.from(JSON.stringify(m))

/** Shapes no gas-sensor input can have; each dimension of some is within the schema's 2^20, their product is not. */
const ABSURD_SHAPES: unknown[][] = [
  [1e9, 1e9], [-1, 128], [0, 128], [2 ** 31, 128], [2 ** 53 + 1, 128], [1_048_576, 1_048_576], ['batch', 1_048_576],
  [1_048_576, 1024], [1_048_576, 256], [1_048_576, 128], ['batch', 128, 1_048_576], [1, 1, 1, 1, 1, 1, 1, 1, 1], [], ['batch', 127], ['batch', 129], [128.5], ['1batch', 128], [1_048_576, 1_048_576, 1_048_576, 1_048_576, 1_048_576, 1_048_576, 1_048_576, 1_048_576],
]

/** Manifest paths worth breaking (the reference statistics are large and only their top is touched). */
const MANIFEST_PATHS: (string | number)[][] = [
  ['formatVersion'], ['name'], ['version'], ['task'], ['model'], ['model', 'file'], ['model', 'sha256'], ['model', 'size'], ['model', 'opset'],
  ['inputs'], ['inputs', 0], ['inputs', 0, 'name'], ['inputs', 0, 'dtype'], ['inputs', 0, 'kind'], ['inputs', 0, 'features'], ['inputs', 0, 'preprocessing'],
  ['outputs'], ['outputs', 0, 'name'], ['outputs', 0, 'role'], ['outputs', 0, 'labels'], ['outputs', 0, 'shape'],
  ['selfTest'], ['selfTest', 'tolerance'], ['selfTest', 'vectors'], ['selfTest', 'vectors', 0, 'inputs'], ['selfTest', 'vectors', 0, 'expected'],
  ['reference'], ['reference', 'features'], ['drift'], ['training'], ['postprocessing'], ['signature'],
]

const weird: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...EDGE_NUMBERS.map(Number), null, true, '', 'x', [], {}, -1, 0, 2 ** 31, 'NaN'),
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
)

function setPath(root: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>
  let node = copy
  for (const k of path.slice(0, -1)) {
    if (node[k] === null || typeof node[k] !== 'object') return copy
    node = node[k] as Record<string | number, unknown>
  }
  if (value === undefined) delete node[path.at(-1)!]
  else node[path.at(-1)!] = value
  return copy
}

/** Flips bits at distinct positions (two flips at one position could cancel out and leave the bytes intact). */
function flipBytes(bytes: Buffer, at: number[], masks: number[]): Buffer {
  const out = Buffer.from(bytes)
  ;[...new Set(at.map((a) => a % out.length))].forEach((a, i) => (out[a]! ^= masks[i % masks.length]! || 1))
  return out
}

/** ONNX protobufs whose tensors or graph inputs claim absurd dimensions. */
function absurdProtobuf(bytes: Buffer, where: 'input' | 'initializer', dims: number[]): Buffer {
  const m = onnx.ModelProto.decode(bytes)
  const g = m.graph!
  if (where === 'input') {
    g.input![0]!.type!.tensorType!.shape!.dim = dims.map((d) => onnx.TensorShapeProto.Dimension.create({ dimValue: d }))
  } else {
    g.initializer![0]!.dims = dims
  }
  return Buffer.from(onnx.ModelProto.encode(m).finish())
}

/** Damaged packages of `pkg`, in every category above. */
export function damagedPackage(pkg: IntactPackage): fc.Arbitrary<DamagedPackage> {
  const { manifest, onnx: model } = pkg
  const text = json(manifest)
  const dimsArb = fc.constantFrom<number[]>([1e9, 1e9], [-1, 128], [0], [2 ** 31, 2 ** 31], [2 ** 53, 1], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [128, 64, 2], [])
  return fc.oneof(
    fc.tuple(fc.nat({ max: model.length - 1 }), fc.boolean()).map(([n, rehash]) => {
      const o = model.subarray(0, n)
      return { category: rehash ? 'onnx-truncated-rehashed' : 'onnx-truncated', manifest: json(manifestFor(manifest, o, rehash)), onnx: o }
    }),
    fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 255 }), { minLength: 1, maxLength: 8 }), fc.boolean()).map(([at, masks, rehash]) => {
      const o = flipBytes(model, at, masks)
      return { category: rehash ? 'onnx-bitflip-rehashed' : 'onnx-bitflip', manifest: json(manifestFor(manifest, o, rehash)), onnx: o }
    }),
    fc.tuple(fc.constantFrom('input' as const, 'initializer' as const), dimsArb).map(([where, dims]) => {
      const o = absurdProtobuf(model, where, dims)
      return { category: `onnx-absurd-dims-${where}`, manifest: json(manifestFor(manifest, o, true)), onnx: o }
    }),
    fc.uint8Array({ maxLength: 2048 }).map((b) => {
      const o = Buffer.from(b)
      return { category: 'onnx-random-bytes-rehashed', manifest: json(manifestFor(manifest, o, true)), onnx: o }
    }),
    fc.nat({ max: text.length - 1 }).map((n) => ({ category: 'manifest-truncated', manifest: text.subarray(0, n), onnx: model })),
    fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 255 }), { minLength: 1, maxLength: 4 }))
      .map(([at, masks]) => ({ category: 'manifest-bitflip', manifest: flipBytes(text, at, masks), onnx: model })),
    fc.tuple(fc.nat({ max: text.length }), fc.constantFrom(...INVALID_UTF8))
      .map(([at, bad]) => ({ category: 'manifest-invalid-utf8', manifest: Buffer.concat([text.subarray(0, at), Buffer.from(bad), text.subarray(at)]), onnx: model })),
    fc.jsonValue({ maxDepth: 3 }).map((v) => ({ category: 'manifest-wrong-shape', manifest: json(v), onnx: model })),
    fc.tuple(fc.constantFrom(...ABSURD_SHAPES), fc.constantFrom('inputs', 'outputs'), fc.constantFrom('values', 'constant', 'uniform')).map(([shape, side, kind]) => {
      let m = setPath(manifest, [side, 0, 'shape'], shape) as Manifest
      // a generated self-test input is materialised from the shape alone: the allocation an absurd shape asks for
      if (kind !== 'values') m = setPath(m, ['selfTest', 'vectors', 0, 'inputs', 'features'], kind === 'constant' ? { kind, value: 0 } : { kind, seed: 1, min: 0, max: 1 }) as Manifest
      return { category: 'manifest-absurd-shape', manifest: json(m), onnx: model }
    }),
    fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.constantFrom(manifest.model.sha256.toUpperCase(), manifest.model.sha256.slice(1), '', 'sha256:' + manifest.model.sha256))
      .map((h) => ({ category: 'manifest-wrong-sha256', manifest: json(setPath(manifest, ['model', 'sha256'], h)), onnx: model })),
    fc.oneof(fc.integer(), fc.constantFrom(model.length + 1, model.length - 1, 0, 2 ** 32, 2 ** 53 + 1, 1e308))
      .map((s) => ({ category: 'manifest-wrong-size', manifest: json(setPath(manifest, ['model', 'size'], s)), onnx: model })),
    fc.tuple(fc.constantFrom(...MANIFEST_PATHS), fc.option(weird, { nil: undefined }))
      .map(([p, v]) => ({ category: 'manifest-field-mutation', manifest: json(setPath(manifest, p, v)), onnx: model })),
    fc.record({ alg: weird, keyId: weird, expiresAt: weird, value: weird })
      .map((sig) => ({ category: 'manifest-junk-signature', manifest: json({ ...manifest, signature: sig }), onnx: model })),
  )
}
