import fp from 'fastify-plugin'
import type { DatasetStore } from '../retraining/datasets/dataset-store.ts'
import { LabelArrivals } from '../retraining/datasets/label-arrivals.ts'
import { SqliteDatasets } from '../retraining/datasets/sqlite-datasets.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** training data: samples, labels, immutable dataset snapshots (`<data dir>/datasets.db`, `datasets/`) */
    datasets: DatasetStore
    /** where new labels are announced per model (device messages and REST uploads); retraining triggers subscribe */
    labelArrivals: LabelArrivals
  }
}

export interface DatasetsOptions {
  dataDir: string
  /** samples kept per model, 0 = no limit (config `datasetMaxSamples`) */
  maxSamples: number
  /** snapshots kept per model, 0 = no limit (config `datasetMaxSnapshots`) */
  maxSnapshots: number
}

/** Opens the dataset store in the data directory (ingest writes to it, so before the broker); closes it with the app. */
export const datasetsPlugin = fp<DatasetsOptions>(async (app, o) => {
  const log = app.log.child({ store: 'datasets' })
  const datasets = await SqliteDatasets.open({
    dataDir: o.dataDir,
    maxSamples: o.maxSamples,
    maxSnapshots: o.maxSnapshots,
    onRetention: (r) => log.info({ ...r, maxSamples: o.maxSamples, maxSnapshots: o.maxSnapshots }, `dataset retention for ${r.model}: deleted ${r.unlabelledSamples} unlabelled and ${r.labelledSamples} labelled samples, ${r.snapshots.length} snapshots`),
  })
  app.decorate('datasets', datasets)
  app.decorate('labelArrivals', new LabelArrivals())
  app.addHook('onClose', async () => datasets.close())
}, { name: 'datasets' })
