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
 * The same network made slow on purpose: the first hidden layer goes through `depth` MatMuls with one
 * [width × width] matrix made at load time (ConstantOfShape, so the file stays small), is reduced to
 * one number per row, multiplied by 0 and added to the logits before the softmax. The outputs (and so
 * the self-test vectors) are unchanged; each sample costs about depth × width² more multiply-adds. A
 * "bad version" whose only fault is its latency.
 */
export function slowedOnnx(bytes: Uint8Array, o: { width: number; depth: number }): Uint8Array {
  const m = onnx.ModelProto.decode(bytes)
  const g = m.graph!
  const softmax = g.node!.find((n) => n.opType === 'Softmax')!
  const logits = softmax.input![0]!
  const first = g.node!.find((n) => n.opType === 'Relu')!.output![0]!
  const hidden = Number(g.initializer!.find((t) => t.name === 'layer1_kernel')!.dims![0])
  const int64s = (name: string, values: number[]) => {
    const raw = new Uint8Array(values.length * 8)
    const view = new DataView(raw.buffer)
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true))
    return { name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: raw }
  }
  const floats = (name: string, dims: number[], value: number) => {
    const raw = new Uint8Array(4)
    new DataView(raw.buffer).setFloat32(0, value, true)
    return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw }
  }
  const fill = (name: string, shape: string, value: number) => ({
    opType: 'ConstantOfShape', input: [shape], output: [name], name,
    attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: floats('', [1], value) }],
  })
  const initializers = [int64s('slow_in_shape', [hidden, o.width]), int64s('slow_w_shape', [o.width, o.width]), int64s('slow_axes', [1]), floats('slow_zero', [1], 0)]
  const nodes: object[] = [fill('slow_in', 'slow_in_shape', 1 / hidden), fill('slow_w', 'slow_w_shape', 1 / o.width)]
  nodes.push({ opType: 'MatMul', input: [first, 'slow_in'], output: ['slow_0'], name: 'slow_mm0' })
  for (let i = 1; i <= o.depth; i++) nodes.push({ opType: 'MatMul', input: [`slow_${i - 1}`, 'slow_w'], output: [`slow_${i}`], name: `slow_mm${i}` })
  nodes.push(
    { opType: 'ReduceSum', input: [`slow_${o.depth}`, 'slow_axes'], output: ['slow_sum'], name: 'slow_sum' },
    { opType: 'Mul', input: ['slow_sum', 'slow_zero'], output: ['slow_nothing'], name: 'slow_nothing' },
    { opType: 'Add', input: [logits, 'slow_nothing'], output: ['slow_logits'], name: 'slow_logits' },
  )
  softmax.input![0] = 'slow_logits'
  g.node!.splice(g.node!.indexOf(softmax), 0, ...nodes.map((n) => onnx.NodeProto.create(n)))
  g.initializer!.push(...initializers.map((t) => onnx.TensorProto.create(t)))
  return onnx.ModelProto.encode(m).finish()
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
