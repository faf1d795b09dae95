import type { Manifest } from '@edgefleet/protocol'
import type { InferenceBackend } from '../backends/backend.ts'
import { AgentError } from '../errors.ts'
import type { BatchOutput, PredictionFields, ServingModel } from './serving-model.ts'

export type { PredictionFields } from './serving-model.ts'

/**
 * A tabular model ready to serve: knows its feature order, standardises rows into a batch buffer,
 * runs one `session.run` per batch and reads the outputs per the manifest.
 */
export class TabularModel implements ServingModel {
  readonly input = 'tabular'
  readonly features: readonly string[]
  readonly inputName: string
  readonly outputName: string
  private readonly offset: Float32Array
  private readonly scale: Float32Array
  private readonly role: 'probabilities' | 'logits' | 'value'
  private readonly labels: readonly string[] | undefined
  private readonly width: number

  constructor(
    readonly manifest: Manifest,
    readonly backend: InferenceBackend,
  ) {
    const input = manifest.inputs[0]!
    if (manifest.inputs.length !== 1 || input.kind !== 'tabular' || !input.features) {
      throw new AgentError('MODEL_INPUT_UNSUPPORTED', `${manifest.name}@${manifest.version} is not a single-input tabular model; image models are served by the camera path`)
    }
    this.features = input.features.map((f) => f.name)
    this.inputName = input.name
    this.width = this.features.length
    const pre = input.preprocessing
    this.offset = new Float32Array(this.width)
    this.scale = new Float32Array(this.width).fill(1)
    if (pre.type === 'standardize') {
      if (pre.mean.length !== this.width || pre.std.length !== this.width) {
        throw new AgentError('MODEL_MANIFEST_INVALID', `standardisation has ${pre.mean.length} means and ${pre.std.length} deviations for ${this.width} features`)
      }
      this.offset.set(pre.mean)
      for (let j = 0; j < this.width; j++) this.scale[j] = pre.std[j]! > 0 ? 1 / pre.std[j]! : 1
    } else if (pre.type !== 'none') {
      throw new AgentError('MODEL_INPUT_UNSUPPORTED', `tabular input with ${pre.type} preprocessing`)
    }
    const output = manifest.outputs[0]!
    if (output.role !== 'probabilities' && output.role !== 'logits' && output.role !== 'value') {
      throw new AgentError('MODEL_INPUT_UNSUPPORTED', `tabular output role ${output.role}`)
    }
    this.outputName = output.name
    this.role = output.role
    this.labels = output.labels
  }

  /** Standardises one raw row (model feature order) into `batch` at row `index`. */
  put(raw: ArrayLike<number>, batch: Float32Array, index: number): void {
    const base = index * this.width
    const { offset, scale, width } = this
    for (let j = 0; j < width; j++) batch[base + j] = (raw[j]! - offset[j]!) * scale[j]!
  }

  /** A batch buffer for up to `rows` rows. */
  allocate(rows: number): Float32Array {
    return new Float32Array(rows * this.width)
  }

  /** Runs the first `rows` rows of `batch`; returns each row's output values. */
  async run(batch: Float32Array, rows: number): Promise<BatchOutput> {
    const data = rows * this.width === batch.length ? batch : batch.subarray(0, rows * this.width)
    const outputs = await this.backend.run({ [this.inputName]: { data, dims: [rows, this.width] } })
    const out = outputs[this.outputName]!
    return { data: out.data, width: out.data.length / rows }
  }

  /**
   * Reads row `i` of a batch output into `into`: top class, its confidence and label
   * (classification) or the values (regression). Writes fields in place: this runs per reading.
   */
  read(output: BatchOutput, i: number, into: PredictionFields, withScores = false): void {
    const { data, width } = output
    const base = i * width
    if (this.role === 'value') {
      into.value = Array.from(data.subarray(base, base + width))
      return
    }
    let best = 0
    for (let k = 1; k < width; k++) if (data[base + k]! > data[base + best]!) best = k
    let confidence = data[base + best]!
    if (this.role === 'logits') {
      let denom = 0
      for (let k = 0; k < width; k++) denom += Math.exp(data[base + k]! - data[base + best]!)
      confidence = 1 / denom
      if (withScores) into.scores = Array.from(data.subarray(base, base + width), (v) => Math.exp(v - data[base + best]!) / denom)
    } else if (withScores) {
      into.scores = Array.from(data.subarray(base, base + width))
    }
    into.classIndex = best
    into.confidence = confidence < 0 ? 0 : confidence > 1 ? 1 : confidence
    const label = this.labels?.[best]
    if (label !== undefined) into.label = label
  }
}
