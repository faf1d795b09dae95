import { HubError } from '../../errors.ts'
import type { Trainer, TrainInput, TrainOutput } from './trainer.ts'

export interface BuiltinTrainerOptions {
  /** training epochs (default: the shipped build's) */
  epochs: number | null
  /** the data directory holding the shipped model's training data (gas-sensor: batches 1–2) */
  dataDir?: string | undefined
  logger: { warn(o: object, msg: string): void }
}

/** Retraining codes that mean the model or its data cannot be retrained this way, rather than a failure. */
const UNSUPPORTED = new Set(['RETRAIN_LABEL_UNKNOWN', 'RETRAIN_MODEL_UNSUPPORTED', 'RETRAIN_ROW_INVALID'])
const TOO_FEW = new Set(['RETRAIN_DATASET_EMPTY', 'RETRAIN_DATASET_TOO_SMALL'])

/**
 * The built-in trainer: `retrainInWorker` of @edgefleet/models (TF.js MLP, the shipped build's library and ONNX
 * exporter, on a worker thread so ingest never waits). It trains on the snapshot's rows except the newest
 * `holdoutFraction`, mixed with the parent's own training data when the hub has it (the shipped gas-sensor
 * model's batches 1–2 from the data directory) so the model keeps what it knew.
 */
export function builtinTrainer(o: BuiltinTrainerOptions): Trainer {
  return {
    name: 'builtin (TF.js MLP)',
    async train(i: TrainInput): Promise<TrainOutput> {
      // TF.js loads only in the hub processes that train
      const models = await import('@edgefleet/models/build')
      const reference = i.model === 'gas-sensor' ? gasSensorReference(models, o) : undefined
      try {
        const result = await models.retrainInWorker({
          parent: i.parent,
          labelled: i.rows.map((r) => ({ features: r.features, label: r.label, ts: r.ts })),
          snapshot: { name: `${i.model} dataset snapshot ${i.snapshot.snapshot} (${i.snapshot.rows} labelled samples)`, sha256: i.snapshot.sha256 },
          ...(reference ? { reference } : {}),
          outDir: i.outDir,
          version: i.version,
          holdoutFraction: i.holdoutFraction,
          ...(o.epochs !== null ? { epochs: o.epochs } : {}),
          signal: i.signal,
          onProgress: (p) => i.onProgress(p),
        })
        return { dir: result.dir, holdout: result.split.holdout }
      } catch (err) {
        const code = (err as { code?: string }).code ?? ''
        if (i.signal.aborted) throw i.signal.reason as Error
        if (UNSUPPORTED.has(code)) throw new HubError('HUB_JOB_UNSUPPORTED', `${code}: ${(err as Error).message}`, { cause: err })
        if (TOO_FEW.has(code)) throw new HubError('HUB_JOB_TOO_FEW_LABELS', `${code}: ${(err as Error).message}`, { cause: err })
        throw new HubError('HUB_JOB_FAILED', `training failed${code ? ` (${code})` : ''}: ${(err as Error).message}`, { cause: err })
      }
    },
  }
}

function gasSensorReference(models: typeof import('@edgefleet/models/build'), o: BuiltinTrainerOptions) {
  try {
    return models.gasSensorReference(o.dataDir !== undefined ? { dataDir: o.dataDir } : {})
  } catch (err) {
    o.logger.warn({ err: (err as Error).message }, 'the gas-sensor training data is not in the data directory: retraining on labelled samples only')
    return undefined
  }
}
