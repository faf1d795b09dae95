import type { ImagePreprocessing } from '@edgefleet/protocol'
import { AgentError } from '../errors.ts'
import type { Rejection, SourceContext, SourceRecord } from './source.ts'

type Camera = typeof import('@edgefleet/models/camera')
let camera: Promise<Camera> | undefined

/**
 * The camera module, imported on first use: sharp (libvips) loads only in agents that run a camera
 * source. Where sharp cannot load (a flashed bundle ships without it) this says so once, as
 * AGENT_CAMERA_UNAVAILABLE, instead of rejecting every frame.
 */
function loadCamera(): Promise<Camera> {
  camera ??= import('@edgefleet/models/camera').then(async (module) => {
    try {
      await module.loadSharp()
    } catch (cause) {
      camera = undefined
      throw new AgentError(
        'AGENT_CAMERA_UNAVAILABLE',
        `camera sources need sharp: ${(cause as Error).message}. Install it where the agent runs (\`npm install sharp@0.35\` in the agent's directory), or serve a tabular model`,
        { cause },
      )
    }
    return module
  })
  return camera
}

/** A frame record's `values` until the image model fills in its drift features. */
const NO_VALUES = new Float64Array(0)

/** The preprocessing camera sources apply; AGENT_USAGE when the served model is not an image model. */
export function framePreprocessing(ctx: SourceContext, source: string): ImagePreprocessing {
  if (!ctx.image) throw new AgentError('AGENT_USAGE', `${source} feeds camera frames, but the served model is not an image model`)
  return ctx.image
}

/**
 * Decodes, resizes and normalises one encoded image (bytes, or a file path) with sharp for the served
 * image model. An image that cannot be used (not an image, truncated, gone) is a rejection
 * (AGENT_FRAME_INVALID), never an exception.
 */
export async function prepareRecord(image: Uint8Array | string, id: string, ts: number, pre: ImagePreprocessing): Promise<{ record: SourceRecord } | { rejection: Omit<Rejection, 'where'> }> {
  const { prepareFrame, ImageError } = await loadCamera()
  const t0 = performance.now()
  try {
    const f = await prepareFrame(image, pre)
    return { record: { id, ts, values: NO_VALUES, frame: { tensor: f.tensor, statistics: f.statistics, source: f.source, transform: f.transform, prepareMs: performance.now() - t0 } } }
  } catch (err) {
    if (err instanceof ImageError) return { rejection: { code: 'AGENT_FRAME_INVALID', message: `${err.code}: ${err.message}` } }
    throw err
  }
}
