import type { Detection } from '@edgefleet/protocol'
import { boxTransform, decodeDetections, drawRect, imageStatistics, tensorFromPixels } from '@edgefleet/models/vision'
import type { Detector } from './detector.ts'
import type { ModelSession } from './ort-session.ts'

/** What one camera frame gave. */
export interface FrameResult {
  /** when the frame was taken, ms since the epoch */
  ts: number
  /** `session.run` only, ms */
  latencyMs: number
  /** boxes normalised to the camera frame (0..1), best first */
  detections: Detection[]
  /** the highest face score before the threshold */
  topScore: number
  /** `IMAGE_STATISTICS` of the frame at the model's input size */
  statistics: Float64Array
}

/**
 * One frame through the model, as the Node camera path does it: the frame drawn onto a canvas of the
 * model's input size with `drawRect` (black padding for letterbox), its RGBA pixels turned into the
 * input tensor, the outputs decoded into boxes mapped back to the frame, and the frame's image
 * statistics (for drift) computed on the same pixels.
 */
export class FrameInference {
  private readonly ctx: OffscreenCanvasRenderingContext2D

  constructor(readonly detector: Detector, readonly session: ModelSession) {
    const { width, height } = detector.pre
    const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true, alpha: false })
    if (!ctx) throw new Error('this browser has no 2D canvas')
    this.ctx = ctx
  }

  async infer(source: CanvasImageSource, sourceWidth: number, sourceHeight: number): Promise<FrameResult> {
    const { detector, ctx } = this
    const { pre } = detector
    const ts = Date.now()
    const r = drawRect(sourceWidth, sourceHeight, pre)
    if (pre.resize === 'letterbox') {
      ctx.fillStyle = '#000'
      ctx.fillRect(0, 0, pre.width, pre.height)
    }
    ctx.drawImage(source, r.sx, r.sy, r.sw, r.sh, r.dx, r.dy, r.dw, r.dh)
    const pixels = ctx.getImageData(0, 0, pre.width, pre.height).data
    const input = tensorFromPixels(pixels, 4, pre)
    const t0 = performance.now()
    const out = await this.session.run({ [detector.inputName]: { data: input, dims: detector.dims } })
    const latencyMs = performance.now() - t0
    const scores = out[detector.scoresName]
    const boxes = out[detector.boxesName]
    if (!scores || !boxes) throw new Error(`the model gave no ${scores ? detector.boxesName : detector.scoresName} output`)
    const { detections, topScore } = decodeDetections(scores, boxes, detector.post, boxTransform(sourceWidth, sourceHeight, pre), detector.labels)
    return { ts, latencyMs, detections, topScore, statistics: imageStatistics(pixels, pre.width, pre.height, 4) }
  }
}
