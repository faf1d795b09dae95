import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import type { InferenceSession } from 'onnxruntime-web'
import type { Evaluation, Manifest } from '@edgefleet/protocol'
import { DEFAULT_SEED, type BuildProgress } from '../build/build-types.ts'
import { accuracy, argmaxRows, macroF1 } from '../build/classification-metrics.ts'
import { classifierSelfTest } from '../build/classifier-self-test.ts'
import { standardization, standardizeRows, stratifiedSplit } from '../build/gas-sensor/prepare.ts'
import { assertSelfTestPasses } from '../build/onnx/check-self-test.ts'
import { createOrtSession } from '../build/onnx/ort-session.ts'
import { seededRng, shuffleInPlace } from '../build/seeded-shuffle.ts'
import { trainAndExportMlp } from '../build/train-and-export-mlp.ts'
import { trainAndExportRegressor } from '../build/train-and-export-regressor.ts'
import { CsvTrainError } from '../errors.ts'
import { rowSelfTest } from '../import/import-self-test.ts'
import { runRows } from '../import/run-model.ts'
import { columnOf, referenceBins } from '../import/tabular-inputs.ts'
import { sha256Bytes } from '../package/sha256-file.ts'
import { writePackage } from '../package/write-package.ts'
import { featureReference } from '../reference/feature-reference.ts'
import { outputReference } from '../reference/output-reference.ts'
import { parseCsvText, type HeaderMode, type Table } from '../table/csv-table.ts'
import { CSV_IO, CSV_OPSET, csvManifest } from './csv-manifest.ts'
import { imputeMedians, prepareTable, type CsvTask, type PreparedTable } from './prepare-table.ts'
import { regressionMetrics } from './regression-metrics.ts'

/** The named steps of `edgefleet model train`, in order; a failure names its step. */
export const TRAIN_CSV_STEPS = ['read', 'prepare', 'split', 'train', 'evaluate', 'reference', 'self-test', 'verify', 'write'] as const
export type TrainCsvStep = (typeof TRAIN_CSV_STEPS)[number]

/** Network and training defaults: small, since CSV data sets are small; each is an option. */
export const TRAIN_CSV_DEFAULTS = { hidden: [32, 16], epochs: 60, batchSize: 32, learningRate: 3e-3, holdout: 0.2 } as const

/** Options of {@link trainCsv}. */
export interface TrainCsvOptions {
  csv: string
  /** the column to predict */
  label: string
  name: string
  outDir: string
  /** feature columns (default: all but the label and `exclude`) */
  features?: readonly string[]
  exclude?: readonly string[]
  /** default: detected from the label column */
  task?: CsvTask
  header?: HeaderMode
  /** names for a headerless file's columns */
  columns?: readonly string[]
  version?: string
  description?: string
  license?: string
  /** share of rows held out for metrics and the export check (default 0.2) */
  holdout?: number
  epochs?: number
  hidden?: readonly number[]
  batchSize?: number
  learningRate?: number
  seed?: number
  onStep?: (step: TrainCsvStep) => void
  onProgress?: (p: BuildProgress) => void
}

/** What training wrote. */
export interface TrainCsvReport {
  name: string
  version: string
  dir: string
  sha256: string
  task: CsvTask
  features: string[]
  labels?: string[]
  rows: { total: number; train: number; holdout: number; droppedNoLabel: number; imputedValues: number }
  metrics: Record<string, number>
  notes: string[]
}

interface TrainState {
  o: TrainCsvOptions
  seed: number
  epochs: number
  notes: string[]
  bytes?: Uint8Array
  table?: Table
  data?: PreparedTable
  train?: Int32Array
  holdout?: Int32Array
  medians?: number[]
  imputed?: number
  scaling?: { mean: number[]; std: number[] }
  xTrain?: Float32Array
  xHoldout?: Float32Array
  onnx?: Uint8Array
  /** ONNX outputs on the holdout: probabilities (classes per row) or predictions */
  holdoutOut?: Float32Array
  metrics: Record<string, number>
  evaluations: Evaluation[]
  session?: InferenceSession
  reference?: Manifest['reference']
  manifest?: Manifest
}

const pick = <T extends ArrayLike<number>>(values: T, rows: ArrayLike<number>): number[] => Array.from(rows, (r) => values[r]!)

const steps: Record<TrainCsvStep, (s: TrainState) => Promise<void>> = {
  async read(s) {
    try {
      s.bytes = new Uint8Array(await readFile(s.o.csv))
    } catch (cause) {
      throw new CsvTrainError('CSV_UNREADABLE', `cannot read ${s.o.csv}: ${(cause as Error).message}`, { cause })
    }
    s.table = parseCsvText(new TextDecoder().decode(s.bytes), s.o.csv, { ...(s.o.header ? { header: s.o.header } : {}), ...(s.o.columns ? { columns: s.o.columns } : {}) })
    if (!s.table.named) s.notes.push(`${basename(s.o.csv)} has no header: columns named ${s.table.columns.slice(0, 3).join(', ')}…`)
  },
  async prepare(s) {
    s.data = prepareTable(s.table!, { label: s.o.label, ...(s.o.features ? { features: s.o.features } : {}), ...(s.o.exclude ? { exclude: s.o.exclude } : {}), ...(s.o.task ? { task: s.o.task } : {}) })
    s.notes.push(...s.data.notes)
  },
  async split(s) {
    const d = s.data!
    const fraction = s.o.holdout ?? TRAIN_CSV_DEFAULTS.holdout
    const rng = seededRng(s.seed)
    if (d.task === 'classification') {
      ;({ train: s.train, holdout: s.holdout } = stratifiedSplit(d.y, fraction, rng))
    } else {
      const order = shuffleInPlace(Int32Array.from({ length: d.rows }, (_, i) => i), rng)
      const n = Math.round(d.rows * fraction)
      s.holdout = order.slice(0, n).sort()
      s.train = order.slice(n).sort()
    }
    if (s.train!.length < 8 || s.holdout!.length < 2) {
      throw new CsvTrainError('CSV_TOO_FEW_ROWS', `${d.rows} usable rows give ${s.train!.length} to train on and ${s.holdout!.length} to hold out: give at least ~50 labelled rows`)
    }
    const width = d.features.length
    const { filled, medians, imputed } = imputeMedians(d.raw, width, s.train!)
    s.medians = medians
    s.imputed = imputed
    if (imputed > 0) s.notes.push(`${imputed} missing feature value(s) filled with the training split's median (the agent itself refuses readings with a missing feature)`)
    s.scaling = standardization(filled, width, s.train!)
    s.xTrain = standardizeRows(filled, width, s.train!, s.scaling)
    s.xHoldout = standardizeRows(filled, width, s.holdout!, s.scaling)
  },
  async train(s) {
    const d = s.data!
    const common = {
      inputSize: d.features.length,
      hidden: s.o.hidden ?? TRAIN_CSV_DEFAULTS.hidden,
      batchSize: s.o.batchSize ?? TRAIN_CSV_DEFAULTS.batchSize,
      learningRate: s.o.learningRate ?? TRAIN_CSV_DEFAULTS.learningRate,
      io: CSV_IO[d.task],
      opset: CSV_OPSET,
      xTrain: s.xTrain!,
      xCheck: s.xHoldout!,
      seed: s.seed,
      epochs: s.epochs,
      onEpoch: (epoch: number, loss: number) => s.o.onProgress?.({ stage: 'train', done: epoch, total: s.epochs, message: `loss ${loss.toFixed(4)}` }),
    }
    if (d.task === 'classification') {
      const out = await trainAndExportMlp({ ...common, classCount: d.labels!.length, yTrain: Int32Array.from(pick(d.y, s.train!)) })
      s.onnx = out.onnx
      s.holdoutOut = out.checkProbabilities
      s.metrics = { exportMaxAbsDiff: out.exportMaxAbsDiff, finalTrainLoss: out.finalLoss }
    } else {
      const out = await trainAndExportRegressor({ ...common, yTrain: Float64Array.from(pick(d.y, s.train!)) })
      s.onnx = out.onnx
      s.holdoutOut = out.checkPredictions
      s.metrics = { exportMaxAbsDiff: out.exportMaxAbsDiff, finalTrainLoss: out.finalLoss }
    }
  },
  async evaluate(s) {
    const d = s.data!
    s.session = await createOrtSession(s.onnx!)
    const trainOut = (await runRows(s.session, CSV_IO[d.task].inputName, s.xTrain!, s.train!.length, [d.features.length], false))[CSV_IO[d.task].outputName]!
    const dataset = `${basename(s.o.csv)}/holdout`
    if (d.task === 'classification') {
      const classes = d.labels!.length
      const truth = Int32Array.from(pick(d.y, s.holdout!))
      const predicted = argmaxRows(s.holdoutOut!, classes)
      const holdoutAccuracy = accuracy(truth, predicted)
      const holdoutMacroF1 = macroF1(truth, predicted, classes)
      s.metrics = { holdoutAccuracy, holdoutMacroF1, trainAccuracy: accuracy(Int32Array.from(pick(d.y, s.train!)), argmaxRows(trainOut, classes)), ...s.metrics }
      s.evaluations = [{ dataset, samples: truth.length, accuracy: holdoutAccuracy, macroF1: holdoutMacroF1 }]
    } else {
      const h = regressionMetrics(pick(d.y, s.holdout!), s.holdoutOut!)
      const t = regressionMetrics(pick(d.y, s.train!), trainOut)
      s.metrics = { holdoutRmse: h.rmse, holdoutMae: h.mae, holdoutR2: h.r2, trainRmse: t.rmse, trainR2: t.r2, ...s.metrics }
      s.evaluations = [{ dataset, samples: s.holdout!.length }]
    }
    s.metrics = { ...s.metrics, epochs: s.epochs, trainRows: s.train!.length, holdoutRows: s.holdout!.length, imputedValues: s.imputed!, droppedRows: d.droppedNoLabel }
  },
  async reference(s) {
    const d = s.data!
    const width = d.features.length
    const trainRaw = new Float64Array(s.train!.length * width)
    s.train!.forEach((r, k) => trainRaw.set(d.raw.subarray(r * width, (r + 1) * width), k * width))
    const bins = referenceBins(s.train!.length, width)
    s.reference = {
      sampleCount: s.train!.length,
      source: `${basename(s.o.csv)}: inputs from the training split (${s.train!.length} rows, raw values as readings arrive, missing values counted as missing), ` +
        (d.task === 'classification' ? `outputs from the held-out split (${s.holdout!.length} rows)` : 'no output reference (regression)'),
      features: d.features.map((name, j) => featureReference(name, columnOf(trainRaw, width, j), bins)),
      outputs: d.task === 'classification' ? { ...outputReference(s.holdoutOut!, d.labels!.length), sampleCount: s.holdout!.length } : {},
    }
  },
  async 'self-test'(s) {
    const d = s.data!
    const io = CSV_IO[d.task]
    const width = d.features.length
    const selfTest: Manifest['selfTest'] =
      d.task === 'classification'
        ? await classifierSelfTest(s.session!, s.xHoldout!, Int32Array.from(pick(d.y, s.holdout!)), { io, width, classCount: d.labels!.length, vectors: 4, tolerance: 1e-4 })
        : { tolerance: 1e-4 * Math.max(1, ...Array.from(s.holdoutOut!, Math.abs)), vectors: await rowSelfTest(s.session!, { name: io.inputName, dtype: 'float32', shape: ['batch', width], kind: 'tabular', preprocessing: { type: 'none' } }, [io.outputName], s.xHoldout!, s.holdout!.length, 4) }
    await s.session!.release()
    s.session = undefined
    s.manifest = csvManifest({
      name: s.o.name,
      version: s.o.version ?? '1.0.0',
      description: s.o.description ?? `${d.task === 'classification' ? `Classifies ${s.o.label} (${d.labels!.length} classes)` : `Predicts ${s.o.label}`} from ${width} features; trained on ${basename(s.o.csv)} with edgefleet model train`,
      ...(s.o.license ? { license: s.o.license } : {}),
      task: d.task,
      onnx: s.onnx!,
      features: d.features,
      ...(d.labels ? { labels: d.labels } : {}),
      scaling: s.scaling!,
      reference: s.reference!,
      selfTest: { ...selfTest, tolerance: Math.min(1, selfTest.tolerance) },
      data: trainingData(s),
      dataSha256: sha256Bytes(s.bytes!),
      library: `@tensorflow/tfjs ${tf.version.tfjs} (cpu), exported to ONNX by edgefleet`,
      seed: s.seed,
      metrics: s.metrics,
      evaluations: s.evaluations,
    })
  },
  async verify(s) {
    await assertSelfTestPasses(s.manifest!, s.onnx!)
  },
  async write(s) {
    await writePackage(s.o.outDir, s.manifest!, s.onnx!)
  },
}

function trainingData(s: TrainState): string {
  const d = s.data!
  const imputation = s.imputed! > 0
    ? `; ${s.imputed} missing feature values filled with the training median (${d.features.map((f, j) => `${f}=${+s.medians![j]!.toPrecision(6)}`).join(', ')})`
    : ''
  return `${basename(s.o.csv)}: ${d.rows + d.droppedNoLabel} rows, label column ${s.o.label}${d.droppedNoLabel > 0 ? ` (${d.droppedNoLabel} without a label left out)` : ''}; ` +
    `${s.train!.length} for training, ${s.holdout!.length} held out (${d.task === 'classification' ? 'stratified, ' : ''}seed ${s.seed}); dataSha256 is over the CSV file${imputation}`
}

/**
 * Trains a tabular classifier or regressor from a CSV file with the built-in trainer (TF.js, seeded)
 * and our ONNX exporter, step by step ({@link TRAIN_CSV_STEPS}): read → prepare (columns, task,
 * missing labels) → split (holdout, median imputation, standardisation) → train → evaluate → reference
 * statistics → self-test → verify → write a package ready to push.
 */
export async function trainCsv(o: TrainCsvOptions): Promise<TrainCsvReport> {
  checkOptions(o)
  const s: TrainState = { o, seed: o.seed ?? DEFAULT_SEED, epochs: o.epochs ?? TRAIN_CSV_DEFAULTS.epochs, notes: [], metrics: {}, evaluations: [] }
  try {
    for (const step of TRAIN_CSV_STEPS) {
      o.onStep?.(step)
      try {
        await steps[step](s)
      } catch (cause) {
        if (cause instanceof CsvTrainError) throw new CsvTrainError(cause.code, `${step}: ${cause.message}`, { cause: cause.cause, step })
        throw cause
      }
    }
  } finally {
    await s.session?.release()
  }
  const d = s.data!
  return {
    name: s.manifest!.name,
    version: s.manifest!.version,
    dir: o.outDir,
    sha256: s.manifest!.model.sha256,
    task: d.task,
    features: d.features,
    ...(d.labels ? { labels: d.labels } : {}),
    rows: { total: d.rows + d.droppedNoLabel, train: s.train!.length, holdout: s.holdout!.length, droppedNoLabel: d.droppedNoLabel, imputedValues: s.imputed! },
    metrics: s.metrics,
    notes: s.notes,
  }
}

function checkOptions(o: TrainCsvOptions): void {
  const bad = (what: string): never => {
    throw new CsvTrainError('CSV_OPTIONS_INVALID', what)
  }
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(o.name)) bad(`model name ${JSON.stringify(o.name)}: use lower-case letters, digits and dashes (it is also an MQTT topic level)`)
  if (o.version !== undefined && !/^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})(-[0-9A-Za-z.-]{1,32})?$/.test(o.version)) bad(`version ${JSON.stringify(o.version)} is not MAJOR.MINOR.PATCH`)
  if (o.holdout !== undefined && !(o.holdout > 0 && o.holdout < 0.9)) bad(`holdout ${o.holdout} must be between 0 and 0.9`)
  if (o.epochs !== undefined && !(Number.isInteger(o.epochs) && o.epochs >= 1 && o.epochs <= 10_000)) bad(`epochs ${o.epochs} must be an integer from 1 to 10000`)
  if (o.hidden && (o.hidden.length > 8 || o.hidden.some((h) => !(Number.isInteger(h) && h >= 1 && h <= 4096)))) bad(`hidden layers ${o.hidden.join(',')}: at most 8 layers of 1..4096 units`)
  if (o.batchSize !== undefined && !(Number.isInteger(o.batchSize) && o.batchSize >= 1)) bad(`batch size ${o.batchSize} must be a positive integer`)
  if (o.learningRate !== undefined && !(o.learningRate > 0 && o.learningRate < 1)) bad(`learning rate ${o.learningRate} must be between 0 and 1`)
}
