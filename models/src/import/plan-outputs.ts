import type { Manifest, ManifestOutput } from '@edgefleet/protocol'
import { ImportError } from '../errors.ts'
import type { ImportSpec } from './import-spec.ts'
import { describeTensor, type TensorInfo } from './inspect-model.ts'

/** Element types of outputs that the manifest can describe and the agent converts to float32. */
const READABLE_OUTPUTS = new Set(['float32', 'int32', 'int64', 'uint8'])

/** What one probe run (the model on a few reference inputs) showed of an output. */
export interface OutputProbe {
  /** values per input row (or frame) */
  width: number
  /** every row is in 0..1 and sums to 1 (± 1e-3): class probabilities */
  probabilities: boolean
}

/** How the agent will read the model's outputs. */
export interface OutputPlan {
  task: Manifest['task']
  /** the main output first (the one a tabular agent reads), then the others */
  outputs: ManifestOutput[]
  postprocessing: Manifest['postprocessing']
  /** classifiers: class count and whether the main output holds logits */
  classes?: { output: string; count: number; logits: boolean }
  /** detectors: the outputs to decode */
  detection?: { scores: string; boxes: string }
  notes: string[]
}

const BOXES = /box|bbox|loc/i
const SCORES = /score|conf|prob|cls|class|logit/i

/**
 * Plans the manifest outputs, task and postprocessing from the graph's outputs, the spec and one probe
 * run. Task, when the spec gives none: detection when there are a boxes output (last dimension 4) and a
 * scores output; classification when labels are given or the main output holds probabilities;
 * regression otherwise (a logits classifier needs `task: classification` or labels). Refuses outputs the
 * agent cannot read (IMPORT_DTYPE_UNSUPPORTED), outputs that do not fit the task
 * (IMPORT_OUTPUT_UNSUPPORTED) and labels that do not match the class count (IMPORT_SPEC_MISMATCH).
 */
export function planOutputs(outputs: readonly TensorInfo[], spec: Readonly<ImportSpec>, kind: 'tabular' | 'image', probes: ReadonlyMap<string, OutputProbe>): OutputPlan {
  if (outputs.length === 0) throw new ImportError('IMPORT_OUTPUT_UNSUPPORTED', 'the model has no outputs')
  for (const o of outputs) {
    if (!o.isTensor) {
      throw new ImportError('IMPORT_DTYPE_UNSUPPORTED', `output ${o.name} is not a tensor (a sequence or map, as skl2onnx's ZipMap writes): the agent reads tensors; export with ZipMap off (skl2onnx: options={id(model): {'zipmap': False}})`)
    }
    if (!READABLE_OUTPUTS.has(o.type)) {
      throw new ImportError('IMPORT_DTYPE_UNSUPPORTED', `output ${describeTensor(o)}: the agent reads float32, int32, int64 and uint8 outputs; re-export with a float32 output (a Cast node at the end of the graph)`)
    }
  }
  for (const name of Object.keys(spec.outputs ?? {})) {
    if (!outputs.some((o) => o.name === name)) throw new ImportError('IMPORT_SPEC_MISMATCH', `the spec describes output ${JSON.stringify(name)}, but the model's outputs are ${outputs.map((o) => o.name).join(', ')}`)
  }
  const roleOf = (o: TensorInfo) => spec.outputs?.[o.name]?.role
  const notes: string[] = []
  const boxes = outputs.find((o) => roleOf(o) === 'boxes') ?? outputs.find((o) => roleOf(o) === undefined && BOXES.test(o.name) && o.shape.at(-1) === 4)
  const scores = boxes && (outputs.find((o) => roleOf(o) === 'scores') ?? outputs.find((o) => o !== boxes && roleOf(o) === undefined && SCORES.test(o.name)))
  const hasLabels = spec.labels !== undefined || Object.values(spec.outputs ?? {}).some((o) => o.labels)
  const main = mainOutput(outputs, spec, probes)
  let task = spec.task
  if (!task) {
    task = boxes && scores ? 'detection' : hasLabels || probes.get(main.name)?.probabilities || ['probabilities', 'logits'].includes(roleOf(main) ?? '') ? 'classification' : 'regression'
    notes.push(`task ${task} (inferred${task === 'regression' ? ': no labels given and the outputs are not probabilities; pass --task classification for a logits classifier' : ''})`)
  }
  if (task === 'detection') return detectionPlan(outputs, spec, kind, boxes, scores, notes)
  const rest = outputs.filter((o) => o !== main).map((o) => describe(o, roleOf(o) ?? 'value', spec.outputs?.[o.name]?.labels))
  if (task === 'regression') {
    return { task, outputs: [describe(main, 'value'), ...rest], postprocessing: { type: 'regression' }, notes }
  }
  const probe = probes.get(main.name)
  const last = main.shape.at(-1)
  const count = typeof last === 'number' ? last : probe?.width
  if (count === undefined || count < 2) {
    throw new ImportError('IMPORT_OUTPUT_UNSUPPORTED', `output ${describeTensor(main)} gives ${count ?? 'an unknown number of'} value(s) per row: a classifier needs one score per class (2 or more); import a one-score model as --task regression`)
  }
  const role = roleOf(main) ?? (probe?.probabilities ? 'probabilities' : 'logits')
  if (role !== 'probabilities' && role !== 'logits') throw new ImportError('IMPORT_SPEC_MISMATCH', `output ${main.name} has role ${role}, but a classifier's main output holds probabilities or logits`)
  if (!roleOf(main)) notes.push(`output ${main.name}: ${role}${role === 'logits' ? ' (rows do not sum to 1: the agent applies softmax)' : ''}`)
  const labels = spec.outputs?.[main.name]?.labels ?? spec.labels
  if (labels && labels.length !== count) {
    throw new ImportError('IMPORT_SPEC_MISMATCH', `${labels.length} labels for output ${describeTensor(main)}, which scores ${count} classes: give one label per class, in column order`)
  }
  if (!labels) notes.push(`no labels given: predictions name classes by index 0 … ${count - 1}`)
  return {
    task,
    outputs: [describe(main, role, labels), ...rest],
    postprocessing: { type: 'classification', topK: Math.min(spec.topK ?? 1, count) },
    classes: { output: main.name, count, logits: role === 'logits' },
    notes,
  }
}

/** The classifier's or regressor's main output: the one the spec gives a class role or labels, else one holding probabilities, else the first. */
function mainOutput(outputs: readonly TensorInfo[], spec: Readonly<ImportSpec>, probes: ReadonlyMap<string, OutputProbe>): TensorInfo {
  const described = outputs.find((o) => {
    const s = spec.outputs?.[o.name]
    return s?.labels !== undefined || s?.role === 'probabilities' || s?.role === 'logits' || s?.role === 'value'
  })
  return described ?? outputs.find((o) => probes.get(o.name)?.probabilities && o.type === 'float32') ?? outputs.find((o) => o.type === 'float32') ?? outputs[0]!
}

function detectionPlan(outputs: readonly TensorInfo[], spec: Readonly<ImportSpec>, kind: 'tabular' | 'image', boxes: TensorInfo | undefined, scores: TensorInfo | undefined, notes: string[]): OutputPlan {
  if (kind !== 'image') throw new ImportError('IMPORT_OUTPUT_UNSUPPORTED', 'a detector takes an image input; this model\'s input is tabular')
  if (!boxes || !scores) {
    throw new ImportError('IMPORT_OUTPUT_UNSUPPORTED', `a detector needs a boxes output ([…, N, 4]) and a scores output ([…, N, classes]); the model's outputs are ${outputs.map(describeTensor).join('; ')}. Name them with outputs.<name>.role in the spec`)
  }
  if (boxes.shape.at(-1) !== 4) throw new ImportError('IMPORT_OUTPUT_UNSUPPORTED', `boxes output ${describeTensor(boxes)} must end in 4 ([x1, y1, x2, y2] per candidate)`)
  const [nb, ns] = [boxes.shape.at(-2), scores.shape.at(-2)]
  if (typeof nb === 'number' && typeof ns === 'number' && nb !== ns) {
    throw new ImportError('IMPORT_OUTPUT_UNSUPPORTED', `boxes ${describeTensor(boxes)} and scores ${describeTensor(scores)} disagree on the number of candidates (${nb} vs ${ns})`)
  }
  const classes = scores.shape.at(-1)
  const labels = spec.outputs?.[scores.name]?.labels ?? spec.labels
  if (labels && typeof classes === 'number' && labels.length !== classes) {
    throw new ImportError('IMPORT_SPEC_MISMATCH', `${labels.length} labels for scores output ${describeTensor(scores)}, which has ${classes} score columns`)
  }
  const d = spec.detection ?? {}
  const classIndex = d.classIndex ?? (typeof classes === 'number' && classes < 2 ? 0 : 1)
  if (typeof classes === 'number' && classIndex >= classes) throw new ImportError('IMPORT_SPEC_MISMATCH', `detection.classIndex ${classIndex} is outside the ${classes} score columns of ${scores.name}`)
  if (d.classIndex === undefined) notes.push(`detection: class column ${classIndex} of ${scores.name} means "object"${classIndex === 1 ? ' (column 0 taken as background)' : ''}`)
  notes.push('detection: boxes are read as [x1, y1, x2, y2] normalised to 0..1 of the input (UltraFace\'s format)')
  const others = outputs.filter((o) => o !== boxes && o !== scores).map((o) => describe(o, spec.outputs?.[o.name]?.role ?? 'value'))
  return {
    task: 'detection',
    outputs: [describe(scores, 'scores', labels), describe(boxes, 'boxes'), ...others],
    postprocessing: {
      type: 'detection',
      classIndex,
      scoreThreshold: d.scoreThreshold ?? 0.5,
      iouThreshold: d.iouThreshold ?? 0.45,
      maxDetections: d.maxDetections ?? 100,
      boxFormat: 'corner-normalized',
    },
    detection: { scores: scores.name, boxes: boxes.name },
    notes,
  }
}

function describe(o: TensorInfo, role: ManifestOutput['role'], labels?: readonly string[]): ManifestOutput {
  return { name: o.name, dtype: o.type as ManifestOutput['dtype'], shape: [...o.shape], role, ...(labels ? { labels: [...labels] } : {}) }
}
