import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { ModelBuildError } from '../../errors.ts'
import { seededRng } from '../seeded-shuffle.ts'
import { useCpuBackend } from '../tf-backend.ts'
import { exportSequentialToOnnx } from './export-sequential.ts'
import { runOnce } from './ort-session.ts'

beforeAll(() => useCpuBackend())

const io = { inputName: 'x', outputName: 'y' }

function randomRows(rows: number, width: number, seed: number): Float32Array {
  const next = seededRng(seed)
  return Float32Array.from({ length: rows * width }, () => next() * 6 - 3)
}

function dense(units: number, activation: 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax', seed: number, inputShape?: number[]): tf.layers.Layer {
  return tf.layers.dense({
    units,
    activation,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: seed + 100 }),
    ...(inputShape ? { inputShape } : {}),
  })
}

async function maxDiff(model: tf.LayersModel, width: number): Promise<number> {
  const x = randomRows(16, width, 3)
  const expected = tf.tidy(() => (model.predict(tf.tensor2d(x, [16, width])) as tf.Tensor).dataSync())
  const { y } = await runOnce(exportSequentialToOnnx(model, io), { x: { data: x, dims: [16, width] } })
  expect(y).toHaveLength(expected.length)
  return Math.max(...Array.from(y!, (v, i) => Math.abs(v - expected[i]!)))
}

describe('exportSequentialToOnnx', () => {
  for (const activation of ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'] as const) {
    it(`matches TF.js predict for a Dense layer with ${activation}`, async () => {
      const model = tf.sequential({ layers: [dense(7, 'relu', 1, [5]), dense(4, activation, 2)] })
      expect(await maxDiff(model, 5)).toBeLessThanOrEqual(1e-5)
      model.dispose()
    })
  }

  it('exports standalone Activation layers and functional chains', async () => {
    const input = tf.input({ shape: [6] })
    const hidden = dense(8, 'linear', 4).apply(input) as tf.SymbolicTensor
    const activated = tf.layers.activation({ activation: 'tanh' }).apply(hidden) as tf.SymbolicTensor
    const output = dense(3, 'softmax', 5).apply(activated) as tf.SymbolicTensor
    const model = tf.model({ inputs: input, outputs: output })
    expect(await maxDiff(model, 6)).toBeLessThanOrEqual(1e-5)
    model.dispose()
  })

  it('exports a Dense layer without bias', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, useBias: false, inputShape: [4], kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }) })] })
    expect(await maxDiff(model, 4)).toBeLessThanOrEqual(1e-5)
    model.dispose()
  })

  it('writes the same bytes for the same weights, whatever TF.js named the layers', () => {
    const a = tf.sequential({ layers: [dense(4, 'relu', 1, [3]), dense(2, 'softmax', 2)] })
    const b = tf.sequential({ layers: [dense(4, 'relu', 1, [3]), dense(2, 'softmax', 2)] })
    expect(a.layers[0]!.name).not.toBe(b.layers[0]!.name)
    expect(Buffer.from(exportSequentialToOnnx(a, io)).equals(Buffer.from(exportSequentialToOnnx(b, io)))).toBe(true)
    a.dispose()
    b.dispose()
  })

  it('refuses layers it cannot export, naming them', () => {
    const model = tf.sequential({ layers: [dense(4, 'relu', 1, [3]), tf.layers.dropout({ rate: 0.5 }), dense(2, 'softmax', 2)] })
    const err = (() => {
      try {
        exportSequentialToOnnx(model, io)
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(ModelBuildError)
    expect((err as ModelBuildError).code).toBe('BUILD_LAYER_UNSUPPORTED')
    expect((err as Error).message).toMatch(/layer 1 \(Dropout/)
    model.dispose()
  })

  it('refuses unsupported activations and branching models', () => {
    const elu = tf.sequential({ layers: [tf.layers.dense({ units: 2, activation: 'elu', inputShape: [3] })] })
    expect(() => exportSequentialToOnnx(elu, io)).toThrow(/activation "elu"/)
    const input = tf.input({ shape: [3] })
    const a = tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor
    const b = tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor
    const branching = tf.model({ inputs: input, outputs: tf.layers.add().apply([a, b]) as tf.SymbolicTensor })
    expect(() => exportSequentialToOnnx(branching, io)).toThrow(ModelBuildError)
    elu.dispose()
    branching.dispose()
  })
})
