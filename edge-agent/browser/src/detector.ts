import type { ImagePreprocessing, Manifest } from '@edgefleet/protocol'
import { tensorDims, type DetectionPost } from '@edgefleet/models/vision'
import { AgentError } from '../../src/errors.ts'

/** How to feed a detection model a camera frame and read its outputs, from its manifest. */
export interface Detector {
  inputName: string
  pre: ImagePreprocessing
  /** the input tensor's dimensions */
  dims: number[]
  scoresName: string
  boxesName: string
  post: DetectionPost
  /** class labels of the scores output, when the manifest names them */
  labels: readonly string[] | undefined
}

/**
 * The browser agent serves image detection models (UltraFace: one image input, `scores` and `boxes`
 * outputs, detection post-processing). Anything else is MODEL_INPUT_UNSUPPORTED, naming what differs,
 * so a rollout of a tabular model to a browser device fails at its load step with a reason.
 */
export function detectorOf(manifest: Manifest): Detector {
  const model = `${manifest.name}@${manifest.version}`
  const unsupported = (why: string): AgentError =>
    new AgentError('MODEL_INPUT_UNSUPPORTED', `${model} cannot run in the browser agent: ${why}; the browser agent serves image detection models such as ultraface`)
  const post = manifest.postprocessing
  if (post.type !== 'detection') throw unsupported(`it is a ${post.type} model`)
  const [input, ...more] = manifest.inputs
  if (!input || more.length > 0) throw unsupported('it has more than one input')
  const pre = input.preprocessing
  if (input.kind !== 'image' || pre.type !== 'image') throw unsupported(`its input ${input.name} is not an image`)
  const dims = tensorDims(pre)
  const declared = input.shape.map((d) => (typeof d === 'number' ? d : 1))
  if (declared.join('×') !== dims.join('×')) throw unsupported(`its input shape ${declared.join('×')} does not match its preprocessing (${dims.join('×')})`)
  const scores = manifest.outputs.find((o) => o.role === 'scores')
  const boxes = manifest.outputs.find((o) => o.role === 'boxes')
  if (!scores || !boxes) throw unsupported('it lacks a scores or a boxes output')
  return { inputName: input.name, pre, dims, scoresName: scores.name, boxesName: boxes.name, post, labels: scores.labels }
}
