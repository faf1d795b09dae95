import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { exportSequentialToOnnx } from '../build/onnx/export-sequential.ts'
import { seededRng } from '../build/seeded-shuffle.ts'
import { useCpuBackend } from '../build/tf-backend.ts'
import { buildMlp } from '../build/train-classifier.ts'
import { readOnnxMlp } from './onnx-mlp.ts'
import { rescaleFirstLayer } from './warm-start.ts'

beforeAll(() => useCpuBackend())

const io = { inputName: 'x', outputName: 'p' }

describe('readOnnxMlp', () => {
  it('reads back the shape and weights our exporter wrote', () => {
    const model = buildMlp({ inputSize: 5, hidden: [4, 3], classes: 2, seed: 9 })
    const mlp = readOnnxMlp(exportSequentialToOnnx(model, io))
    if (typeof mlp === 'string') throw new Error(mlp)
    expect(mlp).toMatchObject({ inputName: 'x', outputName: 'p', inputSize: 5, hidden: [4, 3], classCount: 2 })
    model.layers.forEach((layer, i) => {
      const [kernel, bias] = layer.getWeights()
      expect(Array.from(mlp.weights[i]!.kernel)).toEqual(Array.from(kernel!.dataSync()))
      expect(Array.from(mlp.weights[i]!.bias)).toEqual(Array.from(bias!.dataSync()))
    })
    model.dispose()
  })

  it('says why a network is not a softmax MLP', () => {
    const tanh = tf.sequential({ layers: [tf.layers.dense({ units: 3, activation: 'tanh', inputShape: [2] }), tf.layers.dense({ units: 2, activation: 'softmax' })] })
    expect(readOnnxMlp(exportSequentialToOnnx(tanh, io))).toMatch(/Tanh/)
    const linear = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [2] })] })
    expect(readOnnxMlp(exportSequentialToOnnx(linear, io))).toMatch(/Softmax/)
    expect(readOnnxMlp(new Uint8Array([1, 2, 3]))).toMatch(/cannot be decoded|inputs/)
    tanh.dispose()
    linear.dispose()
  })
})

describe('rescaleFirstLayer', () => {
  it('computes the same first-layer output for a new standardisation', () => {
    const next = seededRng(3)
    const [inputs, units] = [4, 3]
    const weights = [{ kernel: Float32Array.from({ length: inputs * units }, () => next() - 0.5), bias: Float32Array.from({ length: units }, () => next() - 0.5) }]
    const from = { mean: [1, -2, 30, 0], std: [0.5, 2, 10, 1] }
    const to = { mean: [1.5, -1, 25, 0.2], std: [0.7, 3, 12, 0.9] }
    const [rescaled] = rescaleFirstLayer(weights, from, to)
    const x = [2, 0.5, 41, -1]
    for (let k = 0; k < units; k++) {
      let before = weights[0]!.bias[k]!
      let after = rescaled!.bias[k]!
      for (let j = 0; j < inputs; j++) {
        before += ((x[j]! - from.mean[j]!) / from.std[j]!) * weights[0]!.kernel[j * units + k]!
        after += ((x[j]! - to.mean[j]!) / to.std[j]!) * rescaled!.kernel[j * units + k]!
      }
      expect(after).toBeCloseTo(before, 5)
    }
  })
})
