import type { Manifest } from '@edgefleet/protocol'
import type { ModelPackage } from '../package/model-package.ts'

/** A row with ground truth: raw readings in the model's feature order and the true class. */
export interface EvaluationRow {
  /** raw readings, before standardisation, in the manifest's feature order; `null` (or NaN/±Infinity) is a missing value */
  features: readonly (number | null)[]
  /** the true class: one of the model's output labels */
  label: string
}

/** A labelled sample from a device, as a dataset snapshot holds it. */
export interface LabelledRow extends EvaluationRow {
  /** when the sample was taken (ms since the epoch): the newest rows are held out */
  ts: number
}

/** A row of the parent's own training data (it predates every labelled row, so it has no time). */
export type ReferenceRow = EvaluationRow

/** A model package: its directory, one read with `readPackage`, or its manifest and ONNX bytes in memory. */
export type PackageSource = string | ModelPackage | { manifest: Manifest; onnx: Uint8Array }

/** The stages of a retraining job, in the order they run. */
export const RETRAIN_STAGES = ['prepare', 'train', 'export', 'evaluate', 'reference', 'write'] as const
export type RetrainStage = (typeof RETRAIN_STAGES)[number]

/** Progress of a retraining job (`train`: one step per epoch, with the loss in `message`). */
export interface RetrainProgress {
  stage: RetrainStage
  done: number
  total: number
  message?: string
}

/** Options of `retrainClassifier`. Everything but `onProgress` and `signal` can be posted to a worker. */
export interface RetrainOptions {
  /** the version being retrained: a tabular softmax-MLP classifier with standardised features */
  parent: PackageSource
  /** labelled samples from devices (a dataset snapshot's rows); the newest are held out, never trained on */
  labelled: readonly LabelledRow[]
  /** names the labelled rows in `training.data` (e.g. `gas-sensor snapshot 3`); `sha256` (of the snapshot file) becomes `training.dataSha256` */
  snapshot?: { name: string; sha256?: string }
  /** the parent's training rows, mixed in so the model keeps what it knew; `description` goes into `training.data` */
  reference?: { rows: readonly ReferenceRow[]; description: string }
  /** where to write the candidate package (replaced atomically when it exists) */
  outDir: string
  /** version of the candidate (default: the parent's minor + 1, e.g. 1.0.0 → 1.1.0); must be above the parent's */
  version?: string
  /** share of the usable labelled rows held out, newest by `ts` (default 0.2) */
  holdoutFraction?: number
  /** at most this many reference rows per labelled training row (default 1; 0 trains on labelled rows only) */
  referenceRatio?: number
  /** seeds the reference subsample, the initialisers and the epoch shuffles (default 42) */
  seed?: number
  /** training epochs (default 40, as the shipped gas-sensor build) */
  epochs?: number
  /**
   * `parent` (default): start from the parent's weights, its first layer rescaled to the new
   * standardisation so training starts from exactly the parent's function; `seeded`: fresh seeded
   * Glorot initialisers, as the shipped build.
   */
  init?: 'parent' | 'seeded'
  /** receives progress; the trainer never prints */
  onProgress?: (p: RetrainProgress) => void
  /** aborts the job between epochs (and between stages) with `RETRAIN_CANCELLED` */
  signal?: AbortSignal
}

/** Figures of one class in a {@link ClassifierEvaluation}. */
export interface ClassEvaluation {
  /** rows whose true class this is */
  support: number
  /** rows predicted as this class */
  predicted: number
  correct: number
  /** correct / predicted (0 when never predicted) */
  precision: number
  /** correct / support (0 when absent) */
  recall: number
  f1: number
}

/** How a classifier did on labelled rows. */
export interface ClassifierEvaluation {
  /** rows evaluated */
  rows: number
  /** rows skipped because a feature was missing (the agent never classifies those either) */
  dropped: number
  accuracy: number
  /** macro-F1 over the classes present in the truth or the predictions */
  macroF1: number
  /** per label, for the labels present in the truth or the predictions */
  perClass: Record<string, ClassEvaluation>
}

/** How the labelled and reference rows were used: indices into `labelled` and `reference.rows`. */
export interface MixSplit {
  /** labelled rows trained on, oldest first */
  training: number[]
  /** labelled rows held out (the newest), oldest first: evaluate the current version on exactly these */
  holdout: number[]
  /** labelled rows dropped for a missing feature */
  dropped: number[]
  /** reference rows trained on, ascending */
  reference: number[]
  /** reference rows dropped for a missing feature */
  referenceDropped: number
}

/** What `retrainClassifier` produced. */
export interface RetrainResult {
  /** the candidate package directory */
  dir: string
  name: string
  version: string
  parentVersion: string
  /** sha256 of the candidate's ONNX file */
  sha256: string
  split: MixSplit
  /** the candidate's and the parent's figures on the same holdout rows */
  evaluations: { candidate: ClassifierEvaluation; parent: ClassifierEvaluation }
  /** the metrics written into `training.metrics` */
  metrics: Record<string, number>
  /** wall time of the whole job */
  durationMs: number
}
