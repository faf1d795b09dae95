import * as tf from '@tensorflow/tfjs'
import type { Evaluation } from '@edgefleet/protocol'
import { DEFAULT_SEED } from '../build/build-types.ts'
import { classifierSelfTest } from '../build/classifier-self-test.ts'
import { REFERENCE_BINS } from '../build/gas-sensor/build-gas-sensor.ts'
import { column } from '../build/gas-sensor/prepare.ts'
import { GAS_NETWORK } from '../build/gas-sensor/train-and-export.ts'
import { assertSelfTestPasses } from '../build/onnx/check-self-test.ts'
import { createOrtSession } from '../build/onnx/ort-session.ts'
import { trainAndExportMlp, type MlpExport } from '../build/train-and-export-mlp.ts'
import { writePackage } from '../package/write-package.ts'
import { featureReference } from '../reference/feature-reference.ts'
import { outputReference } from '../reference/output-reference.ts'
import { classifyRows, type RowClassifier } from './evaluate-classifier.ts'
import { prepareMix, type PreparedMix } from './prepare-mix.ts'
import { RetrainError } from '../errors.ts'
import { candidateManifest } from './retrain-manifest.ts'
import type { ClassifierEvaluation, RetrainOptions, RetrainProgress, RetrainResult, RetrainStage } from './retrain-types.ts'
import { candidateVersion } from './version-bump.ts'
import { rescaleFirstLayer } from './warm-start.ts'

/** Training settings of the built-in trainer: the shipped gas-sensor build's. */
export const RETRAIN_DEFAULTS = { epochs: GAS_NETWORK.defaultEpochs, batchSize: GAS_NETWORK.batchSize, learningRate: GAS_NETWORK.learningRate, init: 'parent' } as const
const SELF_TEST = { vectors: 4, tolerance: 1e-4 } as const
const MAX_EPOCHS = 10_000

/**
 * Retrains a tabular softmax-MLP classifier on labelled rows from devices mixed with the parent's
 * training rows, as named stages: prepare (mix policy, standardisation) → train (TF.js, seeded, per
 * epoch) → export (ONNX, checked against TF.js) → evaluate (candidate and parent on the same holdout)
 * → reference (drift statistics, self-test vectors) → write (self-test, package). The package goes to
 * `outDir`; nothing is written when a stage fails or the signal aborts (`RETRAIN_CANCELLED`).
 */
export async function retrainClassifier(o: RetrainOptions): Promise<RetrainResult> {
  const started = performance.now()
  const job = new JobControl(o)
  const seed = o.seed ?? DEFAULT_SEED
  const epochs = o.epochs ?? RETRAIN_DEFAULTS.epochs
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > MAX_EPOCHS) throw new RetrainError('RETRAIN_OPTIONS_INVALID', `epochs must be an integer from 1 to ${MAX_EPOCHS}, got ${epochs}`)

  job.stage('prepare', 0, 1)
  const mix = await prepareMix(o, seed)
  const version = candidateVersion(mix.parent.manifest.version, o.version)
  job.stage('prepare', 1, 1, `${mix.split.training.length} labelled + ${mix.split.reference.length} reference rows to train on, ${mix.split.holdout.length} held out, ${mix.split.dropped.length} dropped`)

  const exported = await train(mix, o, job, seed, epochs)
  job.stage('export', 1, 1, `max |ONNX − TF.js| ${exported.exportMaxAbsDiff.toExponential(2)}`)

  job.stage('evaluate', 0, 3)
  const candidate: RowClassifier = { ...mix.parent, id: `${mix.parent.manifest.name}@${version}`, onnx: exported.onnx, mean: mix.scaling.mean, std: mix.scaling.std }
  const onHoldout = await classifyRows(candidate, mix.holdoutRows)
  job.stage('evaluate', 1, 3, `candidate ${percent(onHoldout.evaluation.accuracy)} on the holdout`)
  const parentOnHoldout = (await classifyRows(mix.parent, mix.holdoutRows)).evaluation
  job.stage('evaluate', 2, 3, `parent ${percent(parentOnHoldout.accuracy)} on the holdout`)
  const onTraining = (await classifyRows(candidate, mix.trainingRows)).evaluation
  job.stage('evaluate', 3, 3)

  job.stage('reference', 0, 1)
  const { reference, selfTest } = await referenceAndSelfTest(mix, exported, onHoldout.probabilities)
  job.stage('reference', 1, 1)

  job.stage('write', 0, 1, 'self-test')
  const metrics = {
    holdoutAccuracy: onHoldout.evaluation.accuracy,
    holdoutMacroF1: onHoldout.evaluation.macroF1,
    parentHoldoutAccuracy: parentOnHoldout.accuracy,
    parentHoldoutMacroF1: parentOnHoldout.macroF1,
    trainAccuracy: onTraining.accuracy,
    exportMaxAbsDiff: exported.exportMaxAbsDiff,
    finalTrainLoss: exported.finalLoss,
    epochs,
    labelledTrainRows: mix.split.training.length,
    referenceTrainRows: mix.split.reference.length,
    holdoutRows: mix.split.holdout.length,
    droppedRows: mix.split.dropped.length,
    trainingSeconds: Math.round(performance.now() - started) / 1000,
  }
  const snapshot = o.snapshot?.name ?? 'labelled rows'
  const manifest = candidateManifest(mix.parent.manifest, {
    version,
    onnx: exported.onnx,
    scaling: mix.scaling,
    reference,
    selfTest,
    data: describeData(o, mix, snapshot, epochs),
    ...(o.snapshot?.sha256 === undefined ? {} : { dataSha256: o.snapshot.sha256 }),
    library: `@tensorflow/tfjs ${tf.version.tfjs} (cpu)`,
    seed,
    metrics,
    evaluations: [manifestEvaluation(`${snapshot}/holdout-newest`, onHoldout.evaluation), manifestEvaluation(`${snapshot}/training-mix`, onTraining)],
  })
  await assertSelfTestPasses(manifest, exported.onnx)
  job.throwIfCancelled()
  await writePackage(o.outDir, manifest, exported.onnx)
  job.stage('write', 1, 1, o.outDir)
  return {
    dir: o.outDir,
    name: manifest.name,
    version,
    parentVersion: mix.parent.manifest.version,
    sha256: manifest.model.sha256,
    split: mix.split,
    evaluations: { candidate: onHoldout.evaluation, parent: parentOnHoldout },
    metrics,
    durationMs: Math.round(performance.now() - started),
  }
}

async function train(mix: PreparedMix, o: RetrainOptions, job: JobControl, seed: number, epochs: number): Promise<MlpExport> {
  const init = o.init ?? RETRAIN_DEFAULTS.init
  const { network, parent } = mix
  job.stage('train', 0, epochs, `init from ${init === 'parent' ? parent.id : `seed ${seed}`}`)
  return trainAndExportMlp({
    inputSize: network.inputSize,
    hidden: network.hidden,
    classCount: network.classCount,
    batchSize: RETRAIN_DEFAULTS.batchSize,
    learningRate: RETRAIN_DEFAULTS.learningRate,
    io: { inputName: network.inputName, outputName: network.outputName },
    opset: parent.manifest.model.opset ?? 17,
    xTrain: mix.xTrain,
    yTrain: mix.yTrain,
    xCheck: mix.xHoldout,
    seed,
    epochs,
    ...(init === 'parent' ? { initialWeights: rescaleFirstLayer(network.weights, parent, mix.scaling) } : {}),
    onEpoch: (epoch, loss) => {
      job.stage('train', epoch, epochs, `loss ${loss.toFixed(4)}`)
      // a cancel stops here, between epochs; the model is disposed on the way out
      job.throwIfCancelled()
      if (epoch === epochs) job.stage('export', 0, 1, 'ONNX export, checked against TF.js on the holdout')
    },
  })
}

async function referenceAndSelfTest(mix: PreparedMix, exported: MlpExport, holdoutProbabilities: Float32Array): Promise<Pick<ReturnType<typeof candidateManifest>, 'reference' | 'selfTest'>> {
  const width = mix.parent.featureCount
  const all = Int32Array.from(mix.trainingRows, (_, i) => i)
  const names = mix.parent.manifest.inputs[0]!.features!.map((f) => f.name)
  const { training, reference: ref, holdout } = mix.split
  const reference = {
    sampleCount: mix.trainingRows.length,
    source:
      `retraining mix: inputs from the ${mix.trainingRows.length} training rows (${training.length} labelled + ${ref.length} reference; raw readings before standardisation), ` +
      `outputs from the ${holdout.length} held-out labelled rows (the newest, never trained on)`,
    features: names.map((name, j) => featureReference(name, column(mix.trainingFeatures, width, all, j), REFERENCE_BINS)),
    outputs: { ...outputReference(holdoutProbabilities, mix.parent.labels.length), sampleCount: holdout.length },
  }
  const session = await createOrtSession(exported.onnx)
  try {
    const selfTest = await classifierSelfTest(session, mix.xHoldout, mix.yHoldout, {
      io: { inputName: mix.network.inputName, outputName: mix.network.outputName },
      width,
      classCount: mix.parent.labels.length,
      ...SELF_TEST,
    })
    return { reference, selfTest }
  } finally {
    await session.release()
  }
}

function describeData(o: RetrainOptions, mix: PreparedMix, snapshot: string, epochs: number): string {
  const { split, policy } = mix
  const usable = split.training.length + split.holdout.length
  const ref = o.reference
    ? `plus ${split.reference.length} of ${o.reference.rows.length} reference rows (${o.reference.description}; seeded stratified subsample, at most ${policy.referenceRatio}× the labelled training rows, ${split.referenceDropped} with a missing feature skipped)`
    : 'no reference rows'
  return (
    `Retrained from ${mix.parent.id} on ${snapshot}: ${usable} of ${o.labelled.length} labelled rows (${split.dropped.length} dropped for a missing feature); ` +
    `the newest ${split.holdout.length} by ts held out (${policy.holdoutFraction * 100} %), ${split.training.length} trained on, ${ref}. ` +
    `Standardisation recomputed on the training mix; ${epochs} epochs from ${(o.init ?? RETRAIN_DEFAULTS.init) === 'parent' ? "the parent's weights" : 'seeded initialisers'}`
  )
}

function manifestEvaluation(dataset: string, e: ClassifierEvaluation): Evaluation {
  return { dataset, samples: e.rows, accuracy: e.accuracy, macroF1: e.macroF1 }
}

function percent(x: number): string {
  return `${(x * 100).toFixed(1)} %`
}

/** Progress reports and cancellation of one job. */
class JobControl {
  constructor(private readonly o: Pick<RetrainOptions, 'onProgress' | 'signal'>) {
    this.throwIfCancelled()
  }

  /** Reports progress, after checking for a cancel. */
  stage(stage: RetrainStage, done: number, total: number, message?: string): void {
    this.throwIfCancelled()
    this.o.onProgress?.({ stage, done, total, ...(message === undefined ? {} : { message }) } satisfies RetrainProgress)
  }

  throwIfCancelled(): void {
    if (this.o.signal?.aborted) throw new RetrainError('RETRAIN_CANCELLED', 'the retraining job was cancelled; nothing was written', { cause: this.o.signal.reason })
  }
}
