import type { Evaluation, Manifest } from '@edgefleet/protocol'
import { buildTimestamp } from '../build/build-types.ts'
import { sha256Bytes } from '../package/sha256-file.ts'
import type { CsvTask } from './prepare-table.ts'

/** Graph input and output names of a model trained from a CSV. */
export const CSV_IO = { classification: { inputName: 'features', outputName: 'probabilities' }, regression: { inputName: 'features', outputName: 'value' } } as const
export const CSV_OPSET = 17

/** What a CSV-trained package's manifest is made of. */
export interface CsvManifestParts {
  name: string
  version: string
  description: string
  license?: string
  task: CsvTask
  onnx: Uint8Array
  features: readonly string[]
  labels?: readonly string[]
  scaling: { mean: number[]; std: number[] }
  reference: Manifest['reference']
  selfTest: Manifest['selfTest']
  data: string
  dataSha256: string
  library: string
  seed: number
  metrics: Record<string, number>
  evaluations: Evaluation[]
}

/** The manifest of a tabular classifier or regressor trained by `edgefleet model train`. */
export function csvManifest(p: CsvManifestParts): Manifest {
  const io = CSV_IO[p.task]
  const classes = p.labels?.length ?? 1
  return {
    formatVersion: 1,
    name: p.name,
    version: p.version,
    description: p.description,
    ...(p.license === undefined ? {} : { license: p.license }),
    task: p.task,
    createdAt: buildTimestamp(),
    model: { file: 'model.onnx', sha256: sha256Bytes(p.onnx), size: p.onnx.byteLength, opset: CSV_OPSET },
    inputs: [
      {
        name: io.inputName,
        dtype: 'float32',
        shape: ['batch', p.features.length],
        kind: 'tabular',
        features: p.features.map((name) => ({ name })),
        // applied by the agent, not baked into the graph, so drift statistics see the raw readings
        preprocessing: { type: 'standardize', mean: p.scaling.mean, std: p.scaling.std },
      },
    ],
    outputs: [
      p.task === 'classification'
        ? { name: io.outputName, dtype: 'float32', shape: ['batch', classes], role: 'probabilities', labels: [...p.labels!] }
        : { name: io.outputName, dtype: 'float32', shape: ['batch', 1], role: 'value' },
    ],
    postprocessing: p.task === 'classification' ? { type: 'classification', topK: 1 } : { type: 'regression' },
    reference: p.reference,
    drift: { windowSamples: 100, windowSeconds: 60 },
    selfTest: p.selfTest,
    training: { data: clip(p.data), dataSha256: p.dataSha256, library: p.library, seed: p.seed, parent: null, metrics: p.metrics, evaluations: p.evaluations },
  }
}

function clip(text: string): string {
  return text.length <= 1024 ? text : `${text.slice(0, 1023)}…`
}
