import { basename } from 'node:path'
import type { Manifest, ManifestInput } from '@edgefleet/protocol'
import { buildTimestamp } from '../build/build-types.ts'
import { sha256Bytes } from '../package/sha256-file.ts'
import type { ImportSpec } from './import-spec.ts'
import type { InspectedModel } from './inspect-model.ts'
import type { OutputPlan } from './plan-outputs.ts'

/** Drift windows when the spec sets none: a camera gives a frame a second or so; sensors many readings. */
export const DEFAULT_WINDOWS = { image: { windowSamples: 30, windowSeconds: 60 }, tabular: { windowSamples: 100, windowSeconds: 60 } } as const

/** Everything an imported package's manifest is made of. */
export interface ImportManifestParts {
  spec: Readonly<ImportSpec>
  /** the ONNX file's path (for the default description and source) */
  file: string
  model: InspectedModel
  input: ManifestInput
  output: OutputPlan
  reference: Manifest['reference']
  selfTest: Manifest['selfTest']
}

/** The manifest of an imported model: the spec's words, the planned tensors, reference and self-test. */
export function importManifest(p: ImportManifestParts): Manifest {
  const { spec, model } = p
  const { windowSamples, windowSeconds, ...policy } = spec.drift ?? {}
  const windows = DEFAULT_WINDOWS[p.input.kind]
  return {
    formatVersion: 1,
    name: spec.name,
    version: spec.version ?? '1.0.0',
    description: spec.description ?? `${basename(p.file)}, imported with edgefleet model import`,
    ...(spec.license === undefined ? {} : { license: spec.license }),
    task: p.output.task,
    createdAt: buildTimestamp(),
    model: { file: 'model.onnx', sha256: sha256Bytes(model.bytes), size: model.bytes.byteLength, ...(model.opset === undefined ? {} : { opset: model.opset }) },
    inputs: [p.input],
    outputs: p.output.outputs,
    postprocessing: p.output.postprocessing,
    reference: p.reference,
    drift: { windowSamples: windowSamples ?? windows.windowSamples, windowSeconds: windowSeconds ?? windows.windowSeconds, ...policy },
    selfTest: p.selfTest,
    training: {
      data: spec.source ?? `pretrained elsewhere and imported from ${basename(p.file)}; not trained here`,
      library: spec.library ?? (model.producer ? `${model.producer} (ONNX export)`.slice(0, 128) : 'unknown (ONNX file)'),
      parent: null,
      metrics: {},
      evaluations: [],
    },
  }
}
