import type { Evaluation, Manifest } from '@edgefleet/protocol'
import { sha256Bytes } from '../package/sha256-file.ts'
import { buildTimestamp } from '../build/build-types.ts'
import type { Scaling } from './warm-start.ts'

/** What a retraining run computed that goes into the candidate's manifest. */
export interface CandidateParts {
  version: string
  onnx: Uint8Array
  scaling: Scaling
  reference: Manifest['reference']
  selfTest: Manifest['selfTest']
  /** `training.data`: the snapshot, the mix and the policy, in words */
  data: string
  dataSha256?: string
  library: string
  seed: number
  metrics: Record<string, number>
  evaluations: Evaluation[]
}

// ShortText in the protocol schema
const MAX_TEXT = 1024

/**
 * The candidate's manifest: the parent's name, description, licence, task, outputs, postprocessing
 * and drift defaults, with a new version, model digest, standardisation, reference statistics,
 * self-test vectors and training metadata naming the parent. The parent's signature is not carried
 * over: the hub signs what it registers.
 */
export function candidateManifest(parent: Manifest, p: CandidateParts): Manifest {
  const { signature: _signature, ...kept } = parent
  const [input, ...otherInputs] = parent.inputs
  return {
    ...kept,
    version: p.version,
    createdAt: buildTimestamp(),
    model: { file: parent.model.file, sha256: sha256Bytes(p.onnx), size: p.onnx.byteLength, ...(parent.model.opset === undefined ? {} : { opset: parent.model.opset }) },
    inputs: [{ ...input!, preprocessing: { type: 'standardize', mean: [...p.scaling.mean], std: [...p.scaling.std] } }, ...otherInputs],
    reference: p.reference,
    selfTest: p.selfTest,
    training: {
      data: clip(p.data),
      ...(p.dataSha256 === undefined ? {} : { dataSha256: p.dataSha256 }),
      library: p.library,
      seed: p.seed,
      parent: { name: parent.name, version: parent.version },
      metrics: p.metrics,
      evaluations: p.evaluations,
    },
  }
}

/** Cuts text to the schema's 1024 characters, marking the cut. */
export function clip(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT - 1)}…`
}
