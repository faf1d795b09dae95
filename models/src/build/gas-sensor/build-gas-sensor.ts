import * as tf from '@tensorflow/tfjs'
import { writePackage } from '../../package/write-package.ts'
import { shippedPackageDir } from '../../package/shipped.ts'
import { featureReference } from '../../reference/feature-reference.ts'
import { outputReference } from '../../reference/output-reference.ts'
import { STAMP_FILE, computeStamp } from '../build-stamp.ts'
import { DEFAULT_SEED, type BuildOptions, type BuildProgress, type BuildReport } from '../build-types.ts'
import { assertSelfTestPasses } from '../onnx/check-self-test.ts'
import { createOrtSession } from '../onnx/ort-session.ts'
import { seededRng } from '../seeded-shuffle.ts'
import { evaluation, gasSelfTest, predictGas } from './evaluate.ts'
import { EVAL_BATCHES, gasSensorInputFiles, readBatches } from './gas-data.ts'
import { GAS_SENSOR_NAME, gasSensorManifest } from './gas-sensor-manifest.ts'
import { GAS_FEATURE_COUNT, GAS_LABELS, gasSensorFeatureNames } from './load-batch.ts'
import { column, standardization, standardizeRows, stratifiedSplit } from './prepare.ts'
import { GAS_NETWORK, trainAndExport } from './train-and-export.ts'

/** Options of {@link buildGasSensor}. */
export interface GasSensorBuildOptions extends BuildOptions {
  /** training epochs (default 40); fewer make a quicker, weaker model, e.g. for tests */
  epochs?: number
}

/** Share of batches 1–2 held out (stratified by gas) to measure accuracy and check the export. */
export const HOLDOUT_FRACTION = 0.2
/** 64 quantile bins: the binned KS statistic is then within ~1/64 of the exact one (docs/DRIFT.md) */
export const REFERENCE_BINS = 64

/**
 * Batches 1–2 and their split into training and held-out rows, exactly as the build makes it (the
 * same seed gives the same split), so tests can replay the held-out rows or recompute statistics
 * from the raw training rows.
 */
export function gasSensorSplit(o: { dataDir?: string | undefined; seed?: number } = {}): { data: ReturnType<typeof readBatches>; train: Int32Array; holdout: Int32Array } {
  const data = readBatches(gasSensorInputFiles(o.dataDir).train)
  const { train, holdout } = stratifiedSplit(data.classes, HOLDOUT_FRACTION, seededRng(o.seed ?? DEFAULT_SEED))
  return { data, train, holdout }
}

/** The stamp a gas-sensor build with these options would write; equal stamps mean equal packages. */
export async function gasSensorStamp(o: GasSensorBuildOptions = {}): Promise<string> {
  const files = gasSensorInputFiles(o.dataDir)
  return computeStamp(GAS_SENSOR_NAME, [...files.train, ...files.evaluation.values()], {
    seed: o.seed ?? DEFAULT_SEED,
    epochs: o.epochs ?? GAS_NETWORK.defaultEpochs,
  })
}

/**
 * Builds the `gas-sensor` package: trains an MLP on batches 1–2 of the gas-sensor-drift data with
 * TF.js, exports it to ONNX, proves the export against TF.js, evaluates it on the holdout and on each
 * later batch, and writes the package with reference statistics and self-test vectors.
 */
export async function buildGasSensor(o: GasSensorBuildOptions = {}): Promise<BuildReport> {
  const seed = o.seed ?? DEFAULT_SEED
  const epochs = o.epochs ?? GAS_NETWORK.defaultEpochs
  const progress = (stage: string, done: number, total: number, message?: string): void =>
    o.onProgress?.({ stage, done, total, ...(message === undefined ? {} : { message }) } satisfies BuildProgress)
  const files = gasSensorInputFiles(o.dataDir)
  const stamp = await gasSensorStamp(o)

  progress('load', 0, 1, 'reading batches 1-2')
  const { data, train, holdout } = gasSensorSplit({ dataDir: o.dataDir, seed })
  const scaling = standardization(data.features, GAS_FEATURE_COUNT, train)
  const xTrain = standardizeRows(data.features, GAS_FEATURE_COUNT, train, scaling)
  const xHoldout = standardizeRows(data.features, GAS_FEATURE_COUNT, holdout, scaling)
  const yTrain = Int32Array.from(train, (i) => data.classes[i]!)
  const yHoldout = Int32Array.from(holdout, (i) => data.classes[i]!)
  progress('load', 1, 1)

  const exported = await trainAndExport({
    xTrain, yTrain, xHoldout, seed, epochs,
    onEpoch: (epoch, loss) => progress('train', epoch, epochs, `loss ${loss.toFixed(4)}`),
  })

  const session = await createOrtSession(exported.onnx)
  try {
    progress('evaluate', 0, EVAL_BATCHES.length + 1)
    const holdoutEval = evaluation('gas-sensor-drift/batch1-2-holdout', yHoldout, exported.holdoutProbabilities)
    const evaluations = [holdoutEval]
    for (const [i, [batch, path]] of [...files.evaluation].entries()) {
      const later = readBatches([path])
      const rows = Int32Array.from({ length: later.n }, (_, r) => r)
      const probabilities = await predictGas(session, standardizeRows(later.features, GAS_FEATURE_COUNT, rows, scaling))
      evaluations.push(evaluation(`gas-sensor-drift/batch${batch}`, later.classes, probabilities))
      progress('evaluate', i + 1, EVAL_BATCHES.length + 1, `batch ${batch}`)
    }
    const trainProbabilities = await predictGas(session, xTrain)
    const trainEval = evaluation('train', yTrain, trainProbabilities)

    progress('reference', 0, 1)
    const names = gasSensorFeatureNames()
    const reference = {
      sampleCount: train.length,
      source: `gas-sensor-drift batches 1-2: inputs from the training split (${train.length} rows; raw readings before standardisation), ` +
        `outputs from the held-out split (${holdout.length} rows: unseen data, so the confidence a deployed model should show)`,
      features: names.map((name, j) => featureReference(name, column(data.features, GAS_FEATURE_COUNT, train, j), REFERENCE_BINS)),
      outputs: { ...outputReference(exported.holdoutProbabilities, GAS_LABELS.length), sampleCount: holdout.length },
    }
    const selfTest = await gasSelfTest(session, xHoldout, yHoldout)
    progress('reference', 1, 1)

    const metrics = {
      holdoutAccuracy: holdoutEval.accuracy!,
      holdoutMacroF1: holdoutEval.macroF1!,
      trainAccuracy: trainEval.accuracy!,
      exportMaxAbsDiff: exported.exportMaxAbsDiff,
      finalTrainLoss: exported.finalLoss,
      epochs,
    }
    const manifest = gasSensorManifest({
      onnx: exported.onnx,
      scaling,
      reference,
      selfTest,
      data:
        `UCI Gas Sensor Array Drift (Vergara et al. 2012), batches 1-2 (${data.n} rows): ${train.length} for training, ` +
        `${holdout.length} held out (stratified by gas, ${HOLDOUT_FRACTION * 100} %, seed ${seed}); dataSha256 is over batch1.csv then batch2.csv`,
      dataSha256: data.sha256,
      library: `@tensorflow/tfjs ${tf.version.tfjs} (cpu)`,
      seed,
      metrics,
      evaluations,
    })
    progress('verify', 0, 1, 'self-test')
    await assertSelfTestPasses(manifest, exported.onnx)
    progress('write', 0, 1)
    const dir = o.outDir ?? shippedPackageDir(GAS_SENSOR_NAME)
    await writePackage(dir, manifest, exported.onnx, { extraFiles: { [STAMP_FILE]: `${stamp}\n` } })
    progress('write', 1, 1)
    return { name: manifest.name, version: manifest.version, dir, sha256: manifest.model.sha256, metrics, evaluations }
  } finally {
    await session.release()
  }
}
