import { readFile } from 'node:fs/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { gasSensorSplit } from '../build/gas-sensor/build-gas-sensor.ts'
import { readPackage } from '../package/read-package.ts'
import type { ModelPackage } from '../package/model-package.ts'
import { shippedPackageDir } from '../package/shipped.ts'
import { evaluateClassifier } from './evaluate-classifier.ts'
import { RetrainError } from '../errors.ts'
import type { EvaluationRow } from './retrain-types.ts'

let pkg: ModelPackage
let holdout: EvaluationRow[]

beforeAll(async () => {
  // the test global setup builds the shipped package
  pkg = await readPackage(shippedPackageDir('gas-sensor'))
  const { data, holdout: rows } = gasSensorSplit({ seed: pkg.manifest.training.seed })
  holdout = Array.from(rows, (i) => ({ features: Array.from(data.features.subarray(i * 128, (i + 1) * 128)), label: data.labels[i]! }))
})

describe('evaluateClassifier', () => {
  it("reproduces the shipped build's recorded holdout figures from raw rows", async () => {
    const result = await evaluateClassifier(pkg.dir, holdout)
    const recorded = pkg.manifest.training.metrics
    expect(result.rows).toBe(holdout.length)
    expect(result.dropped).toBe(0)
    expect(Math.abs(result.accuracy - recorded['holdoutAccuracy']!)).toBeLessThanOrEqual(1e-9)
    expect(Math.abs(result.macroF1 - recorded['holdoutMacroF1']!)).toBeLessThanOrEqual(1e-9)
    const perClass = Object.values(result.perClass)
    expect(perClass.reduce((n, c) => n + c.support, 0)).toBe(holdout.length)
    expect(perClass.reduce((n, c) => n + c.correct, 0)).toBe(Math.round(result.accuracy * holdout.length))
  })

  it('takes a read package or manifest and bytes alike', async () => {
    const fromDir = await evaluateClassifier(pkg.dir, holdout.slice(0, 50))
    expect(await evaluateClassifier(pkg, holdout.slice(0, 50))).toEqual(fromDir)
    const onnx = new Uint8Array(await readFile(pkg.onnxPath))
    expect(await evaluateClassifier({ manifest: pkg.manifest, onnx }, holdout.slice(0, 50))).toEqual(fromDir)
  })

  it('skips rows with a missing feature and counts them', async () => {
    const rows = holdout.slice(0, 20).map((r, i) => (i < 3 ? { ...r, features: r.features.map((v, j) => (j === 5 ? null : v)) } : r))
    const result = await evaluateClassifier(pkg.dir, rows)
    expect(result).toMatchObject({ rows: 17, dropped: 3 })
    expect(result).toEqual({ ...(await evaluateClassifier(pkg.dir, rows.slice(3))), dropped: 3 })
  })

  it('refuses a label the package does not know', async () => {
    const err = await evaluateClassifier(pkg.dir, [{ ...holdout[0]!, label: 'Methane' }]).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RetrainError)
    expect((err as RetrainError).code).toBe('RETRAIN_LABEL_UNKNOWN')
  })
})
