import { gasSensorBatchRows } from '@edgefleet/models/build'
import type { Samples } from '@edgefleet/protocol'
import type { DatasetStore } from '../retraining/datasets/dataset-store.ts'

/**
 * Stores `n` rows of a later gas-sensor batch as samples 1.0.0 took on `deviceId`, all labelled: spread over the
 * file and shuffled with a fixed seed (the CSV is grouped by gas; a device sees the gases mixed over time, and
 * a job holds the newest out).
 */
export async function labelledSamples(datasets: Pick<DatasetStore, 'putSamples' | 'putLabels'>, batch: number, n: number, deviceId = 'pi-1'): Promise<void> {
  const rows = gasSensorBatchRows(batch)
  const step = rows.length / n
  const spread = Array.from({ length: n }, (_, k) => rows[Math.floor(k * step)]!)
  let seed = 7
  const chosen = spread.map((r) => ({ r, key: (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) })).sort((a, b) => a.key - b.key).map((x) => x.r)
  const message: Samples = {
    v: 1, deviceId, seq: 1, ts: 1_800_000_000_000, model: { name: 'gas-sensor', version: '1.0.0' },
    items: chosen.map((r, k) => ({ id: `b${batch}-${k}`, ts: 1_800_000_000_000 + k, reason: 'random', features: [...r.features] as number[] })),
  }
  await datasets.putSamples(message)
  await datasets.putLabels(chosen.map((r, k) => ({ deviceId, sampleId: `b${batch}-${k}`, label: r.label })))
}
