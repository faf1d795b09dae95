import { createHash } from 'node:crypto'
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import onnxProto from 'onnx-proto'
import { shippedPackageDir } from '@edgefleet/models'
import type { Manifest } from '@edgefleet/protocol'

const { onnx } = onnxProto

/** The same network with `model_version` set to `tag`: another file (another sha256), identical outputs. */
export function retaggedOnnx(bytes: Uint8Array, tag: number): Uint8Array {
  const m = onnx.ModelProto.decode(bytes)
  m.modelVersion = tag
  return onnx.ModelProto.encode(m).finish()
}

/**
 * The same network, broken on real data only: a row whose largest input exceeds `threshold` gets NaN
 * outputs (0 × √(threshold − max) is NaN when the root is of a negative number), any other row the
 * original outputs exactly. With `threshold` above every self-test input it passes its self-test (and so
 * the hub's push), then fails on the readings of a real fleet. A "bad version" an inference-error gate catches.
 */
export function nanOnOutliersOnnx(bytes: Uint8Array, threshold: number): Uint8Array {
  const m = onnx.ModelProto.decode(bytes)
  const g = m.graph!
  const softmax = g.node!.find((n) => n.opType === 'Softmax')!
  const logits = softmax.input![0]!
  const input = g.input![0]!.name!
  const float = (name: string, value: number) => {
    const raw = new Uint8Array(4)
    new DataView(raw.buffer).setFloat32(0, value, true)
    return onnx.TensorProto.create({ name, dims: [1], dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw })
  }
  g.initializer!.push(float('nan_threshold', threshold), float('nan_zero', 0))
  const nodes = [
    // opset 13–17: ReduceMax takes its axes as an attribute
    { opType: 'ReduceMax', input: [input], output: ['nan_max'], name: 'nan_max', attribute: [{ name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1] }, { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
    { opType: 'Sub', input: ['nan_threshold', 'nan_max'], output: ['nan_room'], name: 'nan_room' },
    { opType: 'Sqrt', input: ['nan_room'], output: ['nan_root'], name: 'nan_root' },
    { opType: 'Mul', input: ['nan_root', 'nan_zero'], output: ['nan_nothing'], name: 'nan_nothing' },
    { opType: 'Add', input: [logits, 'nan_nothing'], output: ['nan_logits'], name: 'nan_logits' },
  ]
  softmax.input![0] = 'nan_logits'
  g.node!.splice(g.node!.indexOf(softmax), 0, ...nodes.map((n) => onnx.NodeProto.create(n)))
  return onnx.ModelProto.encode(m).finish()
}

/** The largest input value of the gas-sensor package's self-test vectors (given as values). */
export function selfTestMaxInput(): number {
  const manifest = JSON.parse(readFileSync(join(shippedPackageDir('gas-sensor'), 'manifest.json'), 'utf8')) as Manifest
  let max = -Infinity
  for (const v of manifest.selfTest.vectors) {
    const features = (v.inputs as Record<string, { kind: string; values?: number[] }>)['features']
    for (const x of features?.values ?? []) max = Math.max(max, x)
  }
  return max
}

/**
 * A copy of the built gas-sensor package in `dir`, as `version`, its ONNX file changed by `onnxOf`
 * (default: retagged, so each version is a distinct file) and the manifest's digest and size updated.
 * Unsigned, like a package a trainer writes: the hub signs it on push.
 */
export function gasSensorVariant(dir: string, version: string, onnxOf?: (bytes: Uint8Array) => Uint8Array): string {
  const out = join(dir, `gas-sensor-${version}`)
  cpSync(shippedPackageDir('gas-sensor'), out, { recursive: true })
  rmSync(join(out, '.build-stamp'), { force: true })
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest
  const original = readFileSync(join(out, manifest.model.file))
  const bytes = (onnxOf ?? ((b) => retaggedOnnx(b, Number(version.replace(/\D/g, '')))))(original)
  writeFileSync(join(out, manifest.model.file), bytes)
  const { signature: _unsigned, ...rest } = manifest
  const next: Manifest = { ...rest, version, model: { ...manifest.model, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length } }
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(next, null, 2)}\n`)
  return out
}
