import * as tf from '@tensorflow/tfjs'
import { seededRng, shuffleInPlace } from './seeded-shuffle.ts'

/** Shape and seed of a softmax MLP classifier. */
export interface MlpSpec {
  inputSize: number
  /** widths of the ReLU hidden layers */
  hidden: readonly number[]
  /** output units: classes (softmax head) or regression targets (linear head) */
  classes: number
  /** seeds the Glorot-uniform kernel initialisers (layer i uses seed + i) */
  seed: number
  /** the output layer: softmax over classes (default), or linear for regression */
  head?: 'softmax' | 'linear'
}

/** A Sequential MLP: Dense(ReLU) hidden layers, then Dense(softmax) (or linear); kernels seeded, biases zero. */
export function buildMlp(spec: MlpSpec): tf.Sequential {
  const model = tf.sequential()
  const widths = [...spec.hidden, spec.classes]
  widths.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        activation: i === widths.length - 1 ? (spec.head ?? 'softmax') : 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: spec.seed + i }),
        biasInitializer: 'zeros',
        ...(i === 0 ? { inputShape: [spec.inputSize] } : {}),
      }),
    )
  })
  return model
}

/** Training settings of {@link fitSeeded}. */
export interface FitOptions {
  epochs: number
  batchSize: number
  learningRate: number
  /** seeds the per-epoch shuffle */
  seed: number
  /** called after each epoch with the mean training loss */
  onEpoch?: (epoch: number, loss: number) => void
}

/**
 * Trains `model` with Adam on categorical cross-entropy. Rows are shuffled each epoch with a seeded
 * generator (TF.js's own `shuffle: true` uses Math.random, which would make builds irreproducible).
 */
export async function fitSeeded(model: tf.Sequential, x: Float32Array, classes: Int32Array, classCount: number, o: FitOptions): Promise<void> {
  const yAll = tf.tidy(() => tf.oneHot(tf.tensor1d(classes, 'int32'), classCount).toFloat())
  await fitRows(model, x, classes.length, yAll, 'categoricalCrossentropy', o)
}

/**
 * Trains `model` with Adam on mean squared error against `targets` (row-major, `targets.length / rows`
 * per row), with the same seeded shuffle as {@link fitSeeded}.
 */
export async function fitSeededRegression(model: tf.Sequential, x: Float32Array, targets: Float32Array, rows: number, o: FitOptions): Promise<void> {
  const yAll = tf.tensor2d(targets, [rows, targets.length / rows])
  await fitRows(model, x, rows, yAll, 'meanSquaredError', o)
}

/** The seeded training loop of {@link fitSeeded} and {@link fitSeededRegression}; disposes `yAll`. */
async function fitRows(model: tf.Sequential, x: Float32Array, n: number, yAll: tf.Tensor, loss: string, o: FitOptions): Promise<void> {
  const width = x.length / n
  model.compile({ optimizer: tf.train.adam(o.learningRate), loss })
  const xAll = tf.tensor2d(x, [n, width])
  const rng = seededRng(o.seed)
  const order = Int32Array.from({ length: n }, (_, i) => i)
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      shuffleInPlace(order, rng)
      const idx = tf.tensor1d(order, 'int32')
      const xs = tf.gather(xAll, idx)
      const ys = tf.gather(yAll, idx)
      try {
        const history = await model.fit(xs, ys, { epochs: 1, batchSize: o.batchSize, shuffle: false, verbose: 0 })
        o.onEpoch?.(epoch + 1, Number(history.history['loss']?.[0] ?? Number.NaN))
      } finally {
        tf.dispose([idx, xs, ys])
      }
    }
  } finally {
    tf.dispose([xAll, yAll])
  }
}

/** `model.predict` on row-major float32 input, as a flat float32 array. */
export function predictRows(model: tf.LayersModel, x: Float32Array, width: number): Float32Array {
  return tf.tidy(() => {
    const out = model.predict(tf.tensor2d(x, [x.length / width, width])) as tf.Tensor
    return out.dataSync() as Float32Array
  })
}
