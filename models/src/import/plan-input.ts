import type { ImagePreprocessing, ManifestInput } from '@edgefleet/protocol'
import { ImportError } from '../errors.ts'
import type { ImportSpec } from './import-spec.ts'
import { describeTensor, type Dimension, type TensorInfo } from './inspect-model.ts'

/** How the agent will feed the model's one input. */
export interface InputPlan {
  input: ManifestInput
  /** the batch dimension is fixed at 1: reference data and self-tests run one row or frame at a time */
  batchOfOne: boolean
  /** tabular: feature names; image: none */
  features: readonly string[]
  /** what the planner decided that the spec did not say, for the report */
  notes: string[]
}

// names exporters give to recurrent state and call parameters: a hint in the refusal, not a rule
const STATE_NAMES = /^(h|c|h0|c0|hn|cn|state|states|hidden|cell|past|memory|sr|sample_rate)(_|\b|\d|$)/i

/**
 * Plans the manifest input from the graph's inputs and the spec. Refuses (IMPORT_INPUT_UNSUPPORTED,
 * IMPORT_DTYPE_UNSUPPORTED, IMPORT_SPEC_MISMATCH) what the agent cannot feed: more than one input,
 * anything but float32, a rank other than 2 (tabular `[batch, features]`) or 4 (image), a batch fixed
 * above 1, feature names or standardisation that do not match the last dimension, an image without
 * a size. `referenceFeatures` are the names a reference CSV's header offers, used when the spec names none.
 */
export function planInput(inputs: readonly TensorInfo[], spec: Readonly<ImportSpec>, referenceFeatures?: readonly string[]): InputPlan {
  if (inputs.length === 0) throw new ImportError('IMPORT_INPUT_UNSUPPORTED', 'the model has no inputs: there is nothing for the agent to feed')
  if (inputs.length > 1) {
    const [first, ...rest] = inputs
    const state = rest.filter((t) => STATE_NAMES.test(t.name) || t.type !== 'float32')
    throw new ImportError(
      'IMPORT_INPUT_UNSUPPORTED',
      `the model has ${inputs.length} inputs (${inputs.map(describeTensor).join('; ')}), but a package describes the one input the agent feeds per reading or frame. ` +
        (state.length > 0
          ? `${state.map((t) => t.name).join(', ')} look like recurrent state or call parameters that the caller must feed and carry between calls (a streaming model such as a VAD or an RNN): the agent keeps no state between readings. `
          : '') +
        `Export the model with only ${first!.name} as input (fold the others in as constants, or wrap the graph), then import it again`,
    )
  }
  const t = inputs[0]!
  if (!t.isTensor) throw new ImportError('IMPORT_INPUT_UNSUPPORTED', `input ${t.name} is not a tensor (a sequence or map): the agent feeds tensors`)
  if (t.type !== 'float32') {
    throw new ImportError('IMPORT_DTYPE_UNSUPPORTED', `input ${describeTensor(t)}: the agent feeds float32 tensors only; re-export with a float32 input (add a Cast node inside the graph if the model computes in ${t.type})`)
  }
  const rank = t.shape.length
  const kind = spec.input?.kind ?? (rank === 4 ? 'image' : 'tabular')
  if (!(kind === 'tabular' && rank === 2) && !(kind === 'image' && rank === 4)) {
    throw new ImportError(
      'IMPORT_INPUT_UNSUPPORTED',
      `input ${describeTensor(t)} has rank ${rank}${spec.input?.kind ? ` and the spec says ${spec.input.kind}` : ''}: the agent serves tabular inputs [batch, features] (rank 2) and images [batch, C, H, W] or [batch, H, W, C] (rank 4). ` +
        'Export the model with its input flattened to [batch, features] (a Reshape at the start of the graph), or as an image model',
    )
  }
  const batch = t.shape[0]!
  if (typeof batch === 'number' && batch !== 1) {
    throw new ImportError('IMPORT_INPUT_UNSUPPORTED', `input ${describeTensor(t)} takes exactly ${batch} rows per run; the agent runs a varying number of readings (or one frame): export it with a dynamic or size-1 batch dimension`)
  }
  const plan = kind === 'tabular' ? tabularInput(t, spec, referenceFeatures) : imageInput(t, spec)
  return { ...plan, batchOfOne: batch === 1 }
}

function tabularInput(t: TensorInfo, spec: Readonly<ImportSpec>, referenceFeatures?: readonly string[]): Omit<InputPlan, 'batchOfOne'> {
  const notes: string[] = []
  if (spec.input?.image) throw new ImportError('IMPORT_SPEC_MISMATCH', `input ${describeTensor(t)} is tabular, but the spec has input.image settings: remove them, or check that this is the model you meant`)
  const last = t.shape[1]!
  let features = spec.input?.features ? [...spec.input.features] : referenceFeatures ? [...referenceFeatures] : undefined
  if (!spec.input?.features && referenceFeatures) notes.push(`feature names from the reference data's header (${referenceFeatures.length})`)
  if (!features) {
    if (typeof last !== 'number') {
      throw new ImportError('IMPORT_SPEC_MISMATCH', `input ${describeTensor(t)} has a dynamic last dimension: name the features (--features, input.features in the spec, or a reference CSV with a header) so the import knows how many the model reads`)
    }
    features = Array.from({ length: last }, (_, i) => `x${i}`)
    notes.push(`no feature names given: readings must name the ${last} features x0 … x${last - 1}`)
  }
  const duplicate = features.find((f, i) => features!.indexOf(f) !== i)
  if (duplicate !== undefined) throw new ImportError('IMPORT_SPEC_MISMATCH', `feature ${JSON.stringify(duplicate)} is named twice: each of the input's columns needs its own name`)
  if (typeof last === 'number' && features.length !== last) {
    throw new ImportError('IMPORT_SPEC_MISMATCH', `${features.length} feature names for input ${describeTensor(t)}, whose last dimension holds ${last}: name exactly one feature per column, in the order the model was trained on`)
  }
  if (typeof last !== 'number') notes.push(`input ${t.name}: dynamic last dimension ${last} fixed to the ${features.length} named features`)
  const scaler = spec.input?.standardize
  if (scaler && (scaler.mean.length !== features.length || scaler.std.length !== features.length)) {
    throw new ImportError('IMPORT_SPEC_MISMATCH', `input.standardize has ${scaler.mean.length} means and ${scaler.std.length} deviations for ${features.length} features: give one of each per feature`)
  }
  if (scaler?.std.some((s) => !(s > 0))) throw new ImportError('IMPORT_SPEC_MISMATCH', 'input.standardize.std must be positive for every feature')
  const shape: Dimension[] = [t.shape[0]!, features.length]
  return {
    input: {
      name: t.name,
      dtype: 'float32',
      shape,
      kind: 'tabular',
      features: features.map((name) => ({ name })),
      preprocessing: scaler ? { type: 'standardize', mean: [...scaler.mean], std: [...scaler.std] } : { type: 'none' },
    },
    features,
    notes,
  }
}

function imageInput(t: TensorInfo, spec: Readonly<ImportSpec>): Omit<InputPlan, 'batchOfOne'> {
  const notes: string[] = []
  if (spec.input?.features || spec.input?.standardize) throw new ImportError('IMPORT_SPEC_MISMATCH', `input ${describeTensor(t)} is an image, but the spec names tabular features or standardisation: remove them, or check that this is the model you meant`)
  const image = spec.input?.image ?? {}
  const [, d1, d2, d3] = t.shape as [Dimension, Dimension, Dimension, Dimension]
  const isChannels = (d: Dimension) => d === 1 || d === 3
  let layout = image.layout
  if (!layout) {
    if (isChannels(d1) && !isChannels(d3)) layout = 'nchw'
    else if (isChannels(d3) && !isChannels(d1)) layout = 'nhwc'
    else if (isChannels(d1)) layout = 'nchw'
    else throw new ImportError('IMPORT_SPEC_MISMATCH', `input ${describeTensor(t)}: cannot tell where its channels are (neither the second nor the last dimension is 1 or 3); set input.image.layout (nchw or nhwc)`)
    notes.push(`image layout ${layout} (from the shape)`)
  }
  const [c, h, w] = layout === 'nchw' ? [d1, d2, d3] : [d3, d1, d2]
  if (typeof c === 'number' && !isChannels(c)) {
    throw new ImportError('IMPORT_INPUT_UNSUPPORTED', `input ${describeTensor(t)} has ${c} channels in ${layout} layout: the agent makes RGB, BGR (3) or grey (1) frames`)
  }
  const channelCount = typeof c === 'number' ? c : image.channels === 'gray' ? 1 : 3
  const channels = image.channels ?? (channelCount === 1 ? 'gray' : 'rgb')
  if ((channels === 'gray') !== (channelCount === 1)) {
    throw new ImportError('IMPORT_SPEC_MISMATCH', `input.image.channels is ${channels}, but input ${describeTensor(t)} has ${channelCount} channel(s)`)
  }
  const size = (d: Dimension, given: number | undefined, what: 'width' | 'height'): number => {
    if (typeof d === 'number') {
      if (given !== undefined && given !== d) throw new ImportError('IMPORT_SPEC_MISMATCH', `input.image.${what} is ${given}, but input ${describeTensor(t)} is ${d} pixels ${what === 'width' ? 'wide' : 'high'}`)
      return d
    }
    if (given === undefined) throw new ImportError('IMPORT_SPEC_MISMATCH', `input ${describeTensor(t)} has a dynamic ${what} (${d}): set input.image.${what} to the size the model was trained on`)
    notes.push(`input ${t.name}: dynamic ${what} ${d} fixed to ${given}`)
    return given
  }
  const width = size(w, image.width, 'width')
  const height = size(h, image.height, 'height')
  const perChannel = (values: readonly number[] | undefined, fallback: number, what: string): number[] => {
    if (!values) return Array(channelCount).fill(fallback) as number[]
    if (values.length !== 1 && values.length !== channelCount) throw new ImportError('IMPORT_SPEC_MISMATCH', `input.image.${what} has ${values.length} values for ${channelCount} channel(s): give one, or one per channel`)
    return [...values]
  }
  if (image.scale === undefined && !image.mean && !image.std) notes.push('image normalisation: pixels scaled to 0..1 (scale 1/255, mean 0, std 1); set input.image.scale/mean/std if the model was trained otherwise')
  const preprocessing: ImagePreprocessing = {
    type: 'image',
    width,
    height,
    resize: image.resize ?? 'stretch',
    channels,
    layout,
    scale: image.scale ?? 1 / 255,
    mean: perChannel(image.mean, 0, 'mean'),
    std: perChannel(image.std, 1, 'std'),
  }
  const shape: Dimension[] = layout === 'nchw' ? [t.shape[0]!, channelCount, height, width] : [t.shape[0]!, height, width, channelCount]
  return { input: { name: t.name, dtype: 'float32', shape, kind: 'image', preprocessing }, features: [], notes }
}
