import type onnxProto from 'onnx-proto'
import { onnx } from '../build/onnx/onnx-proto-helpers.ts'
import type { DenseWeights } from '../build/train-and-export-mlp.ts'

/** A softmax MLP read back from ONNX: Gemm (+ Relu) layers, the last one followed by Softmax. */
export interface OnnxMlp {
  inputName: string
  outputName: string
  inputSize: number
  /** widths of the ReLU hidden layers */
  hidden: number[]
  classCount: number
  /** per Gemm, kernel `[inputs, units]` row-major and bias */
  weights: DenseWeights[]
}

type Graph = onnxProto.onnx.IGraphProto
type Node = onnxProto.onnx.INodeProto

/**
 * Reads a chain of `Gemm → Relu … Gemm → Softmax(axis -1)` from ONNX bytes, as our exporter writes
 * it (other exporters' `transB = 1` is accepted). Returns the network, or a sentence saying why it is
 * not one the built-in trainer can retrain.
 */
export function readOnnxMlp(bytes: Uint8Array): OnnxMlp | string {
  let graph: Graph
  try {
    graph = onnx.ModelProto.decode(bytes).graph ?? {}
  } catch (err) {
    return `the ONNX file cannot be decoded (${(err as Error).message})`
  }
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]))
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name ?? ''))
  const outputs = graph.output ?? []
  if (inputs.length !== 1 || outputs.length !== 1) return `the graph has ${inputs.length} inputs and ${outputs.length} outputs, not one of each`
  const consumers = new Map<string, Node[]>()
  for (const node of graph.node ?? []) for (const name of node.input ?? []) consumers.set(name, [...(consumers.get(name) ?? []), node])

  const weights: DenseWeights[] = []
  const activations: string[] = []
  let current = inputs[0]!.name ?? ''
  let width = dimValue(inputs[0]!, 1)
  if (width === undefined) return 'the graph input is not [batch, features]'
  const inputSize = width
  const outputName = outputs[0]!.name ?? ''
  while (current !== outputName) {
    const next = consumers.get(current) ?? []
    if (next.length !== 1) return `tensor ${current} feeds ${next.length} nodes; only a single chain of layers can be retrained`
    const node = next[0]!
    if (node.opType === 'Gemm') {
      const dense = readGemm(node, initializers, width)
      if (typeof dense === 'string') return dense
      weights.push(dense)
      activations.push('linear')
      width = dense.bias.length
    } else if (node.opType === 'Relu' || node.opType === 'Softmax') {
      if (activations.at(-1) !== 'linear') return `${node.opType} node ${node.name ?? ''} does not follow a Gemm`
      if (node.opType === 'Softmax' && ![undefined, -1, 1].includes(intAttr(node, 'axis'))) return 'Softmax is not over the class axis'
      activations[activations.length - 1] = node.opType
    } else {
      return `node ${node.name ?? ''} is a ${node.opType ?? '?'}; the built-in trainer retrains Gemm/Relu/Softmax chains`
    }
    current = node.output?.[0] ?? ''
  }
  if (weights.length === 0 || activations.at(-1) !== 'Softmax') return 'the graph does not end in Softmax: the built-in trainer writes class probabilities'
  if (!activations.slice(0, -1).every((a) => a === 'Relu')) return 'hidden layers must use Relu'
  return { inputName: inputs[0]!.name ?? '', outputName, inputSize, hidden: weights.slice(0, -1).map((w) => w.bias.length), classCount: width, weights }
}

function readGemm(node: Node, initializers: Map<string, onnxProto.onnx.ITensorProto>, inputs: number): DenseWeights | string {
  const [, kernelName, biasName] = node.input ?? []
  const kernel = initializers.get(kernelName ?? '')
  if (!kernel) return `Gemm ${node.name ?? ''} takes its weights from another node, not an initializer`
  if ((intAttr(node, 'transA') ?? 0) !== 0 || (floatAttr(node, 'alpha') ?? 1) !== 1 || (floatAttr(node, 'beta') ?? 1) !== 1) return `Gemm ${node.name ?? ''} uses transA, alpha or beta`
  const transB = (intAttr(node, 'transB') ?? 0) === 1
  const dims = (kernel.dims ?? []).map(Number)
  const [rows, cols] = transB ? [dims[1], dims[0]] : [dims[0], dims[1]]
  if (dims.length !== 2 || rows !== inputs || cols === undefined) return `Gemm ${node.name ?? ''} has a [${dims.join(', ')}] kernel for ${inputs} inputs`
  const values = floatValues(kernel)
  if (!values) return `Gemm ${node.name ?? ''} has a non-float32 kernel`
  let k = values
  if (transB) {
    k = new Float32Array(rows * cols)
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) k[r * cols + c] = values[c * rows + r]!
  }
  let bias: Float32Array = new Float32Array(cols)
  if (biasName) {
    const b = initializers.get(biasName)
    const values = b && floatValues(b)
    if (!values || values.length !== cols) return `Gemm ${node.name ?? ''} has no float32 [${cols}] bias initializer`
    bias = values
  }
  return { kernel: k, bias }
}

function floatValues(t: onnxProto.onnx.ITensorProto): Float32Array | undefined {
  if (t.dataType !== onnx.TensorProto.DataType.FLOAT) return undefined
  if (t.rawData && t.rawData.length > 0) {
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength)
    return Float32Array.from({ length: t.rawData.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true))
  }
  return Float32Array.from(t.floatData ?? [])
}

function attribute(node: Node, name: string): onnxProto.onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name)
}

function intAttr(node: Node, name: string): number | undefined {
  const a = attribute(node, name)
  return a?.i === undefined || a.i === null ? undefined : Number(a.i)
}

function floatAttr(node: Node, name: string): number | undefined {
  const a = attribute(node, name)
  return a?.f === undefined || a.f === null ? undefined : a.f
}

function dimValue(info: onnxProto.onnx.IValueInfoProto, axis: number): number | undefined {
  const dims = info.type?.tensorType?.shape?.dim ?? []
  const d = dims[axis]
  return dims.length === 2 && d?.dimValue !== undefined && d.dimValue !== null ? Number(d.dimValue) : undefined
}
