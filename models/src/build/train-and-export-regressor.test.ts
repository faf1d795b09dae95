import { describe, expect, it } from 'vitest'
import { runOnce } from './onnx/ort-session.ts'
import { seededRng } from './seeded-shuffle.ts'
import { trainAndExportRegressor } from './train-and-export-regressor.ts'

describe('trainAndExportRegressor', () => {
  it('learns y = 300 + 40·x0 − 25·x1 and exports a graph that predicts in y\'s units', async () => {
    const next = seededRng(5)
    const rows = 600
    const x = Float32Array.from({ length: rows * 2 }, () => next() * 4 - 2)
    const y = Float64Array.from({ length: rows }, (_, r) => 300 + 40 * x[r * 2]! - 25 * x[r * 2 + 1]!)
    const out = await trainAndExportRegressor({
      inputSize: 2, hidden: [16], batchSize: 32, learningRate: 1e-2, io: { inputName: 'x', outputName: 'y' }, opset: 17,
      xTrain: x.subarray(0, 500 * 2), yTrain: y.subarray(0, 500), xCheck: x.subarray(500 * 2), seed: 3, epochs: 60,
    })
    expect(out.target.mean).toBeGreaterThan(250)
    const { y: predicted } = await runOnce(out.onnx, { x: { data: x.subarray(500 * 2), dims: [100, 2] } })
    let worst = 0
    for (let r = 0; r < 100; r++) worst = Math.max(worst, Math.abs(predicted![r]! - y[500 + r]!))
    expect(worst).toBeLessThan(8)
    expect(Array.from(predicted!)).toEqual(Array.from(out.checkPredictions))
  })
})
