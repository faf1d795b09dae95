import type * as tf from '@tensorflow/tfjs'
import type onnxProto from 'onnx-proto'
import { ModelBuildError } from '../../errors.ts'
import { encodeModel, floatInitializer, floatValueInfo, intAttribute } from './onnx-proto-helpers.ts'

/** Options of {@link exportSequentialToOnnx}. */
export interface OnnxExportOptions {
  /** name of the graph input, e.g. `features` */
  inputName: string
  /** name of the graph output, e.g. `probabilities` */
  outputName: string
  /** ONNX opset, 13..17 (default 17); Softmax takes `axis = -1` from opset 13 on */
  opset?: number
  /** `producer_name` written into the model (default `edgefleet`) */
  producer?: string
}

type Node = onnxProto.onnx.INodeProto
type Tensor = onnxProto.onnx.ITensorProto

const ACTIVATION_OPS: Record<string, string | null> = { linear: null, relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', softmax: 'Softmax' }
const SUPPORTED = 'the exporter supports Dense and Activation layers with linear, relu, sigmoid, tanh or softmax activations on a [batch, n] input'
const DEFAULT_OPSET = 17
// IR version 8 is what ONNX 1.10–1.13 write for opsets 13–17
const IR_VERSION = 8

/**
 * Exports a TF.js MLP (a chain of Dense and Activation layers) to ONNX: Dense → Gemm, activations →
 * Relu / Sigmoid / Tanh / Softmax(axis = -1). Weights are float32 initializers. Node and tensor names
 * come from layer positions, not TF.js's process-global layer names, so the same weights always give
 * the same bytes. Throws a ModelBuildError `BUILD_LAYER_UNSUPPORTED` for anything else.
 */
export function exportSequentialToOnnx(model: tf.Sequential | tf.LayersModel, o: OnnxExportOptions): Uint8Array {
  const opset = o.opset ?? DEFAULT_OPSET
  if (!Number.isInteger(opset) || opset < 13 || opset > 17) throw new RangeError(`opset must be 13..17, got ${opset}`)
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new ModelBuildError('BUILD_LAYER_UNSUPPORTED', `the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; ${SUPPORTED}`)
  }
  const inputShape = model.inputs[0]!.shape
  const width = inputShape[1]
  if (inputShape.length !== 2 || typeof width !== 'number') {
    throw new ModelBuildError('BUILD_LAYER_UNSUPPORTED', `the model input has shape [${inputShape.join(', ')}]; ${SUPPORTED}`)
  }

  const nodes: Node[] = []
  const initializers: Tensor[] = []
  let current = o.inputName
  let units = width
  let upstream: tf.SymbolicTensor = model.inputs[0]!
  model.layers.forEach((layer, i) => {
    const className = layer.getClassName()
    if (className === 'InputLayer') return
    if (layer.inboundNodes.length !== 1 || layer.input !== upstream) {
      throw new ModelBuildError('BUILD_LAYER_UNSUPPORTED', `layer ${i} (${className} "${layer.name}") is not fed by the layer before it; the exporter handles a single chain of layers`)
    }
    upstream = layer.output as tf.SymbolicTensor
    const config = layer.getConfig()
    if (className === 'Dense') {
      const [kernel, bias] = layer.getWeights()
      const [inputs, outputs] = kernel!.shape as [number, number]
      const gemmInputs = [current, `layer${i}_kernel`]
      initializers.push(floatInitializer(`layer${i}_kernel`, [inputs, outputs], kernel!.dataSync()))
      if (config['useBias'] !== false && bias) {
        gemmInputs.push(`layer${i}_bias`)
        initializers.push(floatInitializer(`layer${i}_bias`, [outputs], bias.dataSync()))
      }
      current = `layer${i}_gemm`
      nodes.push({ name: `layer${i}_Gemm`, opType: 'Gemm', input: gemmInputs, output: [current] })
      units = outputs
    } else if (className !== 'Activation') {
      throw new ModelBuildError('BUILD_LAYER_UNSUPPORTED', `layer ${i} (${className} "${layer.name}") cannot be exported: ${SUPPORTED}`)
    }
    const activation = String(config['activation'] ?? 'linear')
    const op = ACTIVATION_OPS[activation]
    if (op === undefined) {
      throw new ModelBuildError('BUILD_LAYER_UNSUPPORTED', `layer ${i} (${className} "${layer.name}") uses activation "${activation}": ${SUPPORTED}`)
    }
    if (op) {
      const out = `layer${i}_${activation}`
      nodes.push({ name: `layer${i}_${op}`, opType: op, input: [current], output: [out], attribute: op === 'Softmax' ? [intAttribute('axis', -1)] : [] })
      current = out
    }
  })
  if (upstream !== model.outputs[0]) {
    throw new ModelBuildError('BUILD_LAYER_UNSUPPORTED', `the model's output is not the last layer's output; ${SUPPORTED}`)
  }
  if (nodes.length === 0) throw new ModelBuildError('BUILD_LAYER_UNSUPPORTED', `the model computes nothing; ${SUPPORTED}`)
  // the last node writes the graph output directly
  const last = nodes[nodes.length - 1]!
  last.output = [o.outputName]

  return encodeModel({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: opset }],
    producerName: o.producer ?? 'edgefleet',
    graph: {
      name: 'mlp',
      node: nodes,
      initializer: initializers,
      input: [floatValueInfo(o.inputName, ['batch', width])],
      output: [floatValueInfo(o.outputName, ['batch', units])],
    },
  })
}
