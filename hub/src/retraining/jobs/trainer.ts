import type { DatasetSnapshotView, Manifest } from '@edgefleet/protocol'

/** A labelled row as trainers and the evaluation take it: raw features in manifest order, the true label, when. */
export interface EvaluationRow {
  features: readonly (number | null)[]
  label: string
}
export interface LabelledRow extends EvaluationRow {
  ts: number
}

/** How a classifier did on labelled rows (what `evaluateClassifier` of @edgefleet/models returns). */
export interface ClassifierEvaluation {
  rows: number
  accuracy: number
  macroF1: number
}

export interface TrainInput {
  model: string
  /** the version retrained */
  parent: { manifest: Manifest; onnx: Uint8Array }
  parentVersion: string
  /** the snapshot's usable rows (features present), in file order */
  rows: readonly LabelledRow[]
  snapshot: DatasetSnapshotView
  /** the version the candidate must carry */
  version: string
  /** where the candidate package must be written */
  outDir: string
  /** the job's own directory, for the trainer's files */
  workDir: string
  /** share of the rows, the newest by `ts`, to hold out: never trained on */
  holdoutFraction: number
  signal: AbortSignal
  onProgress(p: { stage: string; done: number; total: number; message?: string }): void
}

export interface TrainOutput {
  /** the candidate package directory */
  dir: string
  /** indices into `rows` of the held-out rows: the evaluation gate judges candidate and current version on these */
  holdout: number[]
}

/** Writes a candidate package from the parent and a snapshot's labelled rows, holding the newest rows out. */
export interface Trainer {
  readonly name: string
  train(input: TrainInput): Promise<TrainOutput>
}

/** Indices of the newest `fraction` of the rows by `ts` (ties by position), ascending: the holdout every trainer leaves alone. */
export function newestRows(rows: readonly { ts: number }[], fraction: number): number[] {
  const n = Math.max(1, Math.round(rows.length * fraction))
  return rows.map((r, i) => [r.ts, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(-n).map(([, i]) => i).sort((a, b) => a - b)
}
