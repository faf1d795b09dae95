import type { Evaluation, Manifest } from '@edgefleet/protocol'
import { sha256Bytes } from '../../package/sha256-file.ts'
import { buildTimestamp } from '../build-types.ts'
import { GAS_FEATURE_COUNT, GAS_LABELS, gasSensorFeatureNames } from './load-batch.ts'
import { GAS_IO, GAS_OPSET } from './train-and-export.ts'

export const GAS_SENSOR_NAME = 'gas-sensor'
export const GAS_SENSOR_VERSION = '1.0.0'

/** Everything the gas-sensor manifest is made of that the build computed. */
export interface GasManifestParts {
  onnx: Uint8Array
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

/** The gas-sensor package manifest. */
export function gasSensorManifest(p: GasManifestParts): Manifest {
  return {
    formatVersion: 1,
    name: GAS_SENSOR_NAME,
    version: GAS_SENSOR_VERSION,
    description: 'Identifies one of six gases from a 16-sensor metal-oxide array (128 features); trained on the first months of the UCI Gas Sensor Array Drift data set.',
    license: 'Apache-2.0 (model); trained on UCI Gas Sensor Array Drift (Vergara et al. 2012), CC BY 4.0, research use',
    task: 'classification',
    createdAt: buildTimestamp(),
    model: { file: 'model.onnx', sha256: sha256Bytes(p.onnx), size: p.onnx.byteLength, opset: GAS_OPSET },
    inputs: [
      {
        name: GAS_IO.inputName,
        dtype: 'float32',
        shape: ['batch', GAS_FEATURE_COUNT],
        kind: 'tabular',
        features: gasSensorFeatureNames().map((name) => ({ name })),
        // applied by the agent, not baked into the graph, so drift statistics see the raw readings
        preprocessing: { type: 'standardize', mean: p.scaling.mean, std: p.scaling.std },
      },
    ],
    outputs: [{ name: GAS_IO.outputName, dtype: 'float32', shape: ['batch', GAS_LABELS.length], role: 'probabilities', labels: [...GAS_LABELS] }],
    postprocessing: { type: 'classification', topK: 1 },
    reference: p.reference,
    drift: { windowSamples: 100, windowSeconds: 60 },
    selfTest: p.selfTest,
    training: {
      data: p.data,
      dataSha256: p.dataSha256,
      library: p.library,
      seed: p.seed,
      parent: null,
      metrics: p.metrics,
      evaluations: p.evaluations,
    },
  }
}
