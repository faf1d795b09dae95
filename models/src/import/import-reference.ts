import { basename } from 'node:path'
import type { InferenceSession } from 'onnxruntime-web'
import type { Manifest } from '@edgefleet/protocol'
import type { BuildProgress } from '../build/build-types.ts'
import { ImportError } from '../errors.ts'
import { featureReference } from '../reference/feature-reference.ts'
import { imageReference, softmax, type ImageReadout } from '../reference/image-reference.ts'
import { FULL_VIEW, REFERENCE_VIEWS } from '../reference/image-views.ts'
import { outputReference } from '../reference/output-reference.ts'
import type { InputPlan } from './plan-input.ts'
import type { OutputPlan } from './plan-outputs.ts'
import { firstNonFinite, runRows } from './run-model.ts'
import { columnOf, referenceBins, type TabularInputs } from './tabular-inputs.ts'

/** Below this many reference images, each also gives 25 crops and mirrors (see `REFERENCE_VIEWS`). */
export const AUGMENT_BELOW = 100

/**
 * Reference statistics of a tabular model: each feature's distribution over the reference rows (raw
 * values, as readings arrive), and — for classifiers — the class distribution and confidence of the
 * model's own predictions on them. Refuses (IMPORT_SELF_TEST_FAILED) a model that outputs NaN or
 * infinity on a reference row.
 */
export async function tabularReference(session: InferenceSession, plan: InputPlan, output: OutputPlan, data: TabularInputs, file: string, onProgress?: (p: BuildProgress) => void): Promise<Manifest['reference']> {
  onProgress?.({ stage: 'reference', done: 0, total: data.rows })
  const out = await runRows(session, plan.input.name, data.x, data.rows, [data.width], plan.batchOfOne)
  for (const [name, values] of Object.entries(out)) {
    const bad = firstNonFinite(values)
    if (bad >= 0) {
      const row = Math.floor(bad / (values.length / data.rows))
      throw new ImportError('IMPORT_SELF_TEST_FAILED', `output ${name} is ${values[bad]} for reference row ${row + 1} of ${basename(file)}: the model cannot serve such readings (check input.standardize and the feature order)`)
    }
  }
  onProgress?.({ stage: 'reference', done: data.rows, total: data.rows })
  const bins = referenceBins(data.rows, data.width)
  const features = plan.features.map((name, j) => featureReference(name, columnOf(data.raw, data.width, j), bins))
  let outputs: Manifest['reference']['outputs'] = {}
  if (output.classes) {
    const { count, logits } = output.classes
    const scores = out[output.classes.output]!
    const probabilities = logits ? softmaxRows(scores, count) : scores
    outputs = outputReference(probabilities, count)
  }
  return {
    sampleCount: data.rows,
    source: `${basename(file)}: ${data.rows} rows${data.dropped > 0 ? ` (${data.dropped} with a missing feature left out)` : ''}; raw feature values, outputs of the imported model`,
    features,
    outputs,
  }
}

/** Reference statistics of an image model over a folder of images ({@link imageReference}). */
export async function imagesReference(session: InferenceSession, plan: InputPlan, output: OutputPlan, images: readonly string[], dir: string, augmentFlag: boolean | undefined, onProgress?: (p: BuildProgress) => void): Promise<Manifest['reference']> {
  const pre = plan.input.preprocessing
  if (pre.type !== 'image') throw new Error('imagesReference needs an image input')
  const augment = augmentFlag ?? images.length < AUGMENT_BELOW
  const readout: ImageReadout = output.detection
    ? { kind: 'detection', scores: output.detection.scores, boxes: output.detection.boxes, post: detectionPost(output) }
    : output.classes
      ? { kind: 'classification', output: output.classes.output, classCount: output.classes.count, logits: output.classes.logits }
      : (() => {
          throw new ImportError('IMPORT_OUTPUT_UNSUPPORTED', 'an image model is served as a classifier or a detector: give --task classification (with labels) or detection')
        })()
  const views = augment ? REFERENCE_VIEWS : FULL_VIEW
  const frames = images.length * views.length
  const { reference } = await imageReference({
    session, images, views, inputName: plan.input.name, pre, readout, bins: referenceBins(frames, 13),
    ...(onProgress ? { onProgress } : {}),
  })
  const how = augment ? ` × ${views.length} views (crops and mirror images, as framing varies)` : ''
  return {
    sampleCount: reference.sampleCount,
    source: `${basename(dir)}: ${images.length} images${how} = ${frames} frames at ${pre.width}×${pre.height}; features: image statistics${output.detection ? ' + detections and top score' : ''}`,
    features: reference.features,
    outputs: reference.outputs,
  }
}

function detectionPost(output: OutputPlan): Extract<Manifest['postprocessing'], { type: 'detection' }> {
  if (output.postprocessing.type !== 'detection') throw new Error('not a detector')
  return output.postprocessing
}

function softmaxRows(values: Float32Array, width: number): Float32Array {
  const out = new Float32Array(values.length)
  for (let start = 0; start < values.length; start += width) out.set(softmax(values.subarray(start, start + width)), start)
  return out
}
