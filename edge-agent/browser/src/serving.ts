import type { ModelRef, Prediction } from '@edgefleet/protocol'
import type { WindowContent } from '@edgefleet/models/drift'
import type { ProvenModel } from './activation.ts'
import { drawDetections } from './camera.ts'
import { DriftCollector } from './drift-collector.ts'
import { FrameInference } from './frame-inference.ts'
import { PredictionBatcher } from './prediction-batcher.ts'
import type { ServingStats } from './serving-stats.ts'
import type { StatusView } from './status-view.ts'

/** Options of {@link Serving}. */
export interface ServingOptions {
  video: HTMLVideoElement
  overlay: HTMLCanvasElement
  view: StatusView
  stats: ServingStats
  publishPredictions(model: ModelRef, items: Prediction[]): void
  publishDrift(model: ModelRef, content: WindowContent): void
}

/** The served model with what it feeds: its prediction batches and drift window. */
interface Served {
  model: ProvenModel
  ref: ModelRef
  inference: FrameInference
  batcher: PredictionBatcher
  drift: DriftCollector
}

/**
 * The camera loop: each new camera frame through the served model (`requestVideoFrameCallback`: a frame
 * is never run twice, and frames that arrive while the model is busy are skipped, so the rate is the
 * camera's or the model's, whichever is lower), its boxes drawn over the video, its prediction batched
 * and its statistics added to the drift window. A swap waits for the frame in progress, then releases
 * the old session. A hidden tab gets no frames: the browser stops painting it.
 */
export class Serving {
  private served: Served | undefined
  private running = false
  private frame: Promise<void> = Promise.resolve()
  private errorsLogged = 0

  constructor(private readonly o: ServingOptions) {}

  get model(): ProvenModel | undefined {
    return this.served?.model
  }

  /** Drift windows closed by the served model. */
  get driftWindows(): number {
    return this.served?.drift.windows ?? 0
  }

  start(): void {
    if (this.running) return
    this.running = true
    void this.loop()
  }

  stop(): void {
    this.running = false
  }

  /** Serves `next` (or nothing) from the next frame on; the old model's last batch is sent first. */
  async swap(next: ProvenModel | undefined): Promise<void> {
    const old = this.served
    const { o } = this
    this.served = next && {
      model: next,
      ref: { name: next.ref.name, version: next.ref.version },
      inference: new FrameInference(next.detector, next.session),
      batcher: new PredictionBatcher({ publish: (items) => o.publishPredictions({ name: next.ref.name, version: next.ref.version }, items) }),
      drift: new DriftCollector({
        reference: next.manifest.reference,
        window: next.manifest.drift,
        publish: (content) => o.publishDrift({ name: next.ref.name, version: next.ref.version }, content),
      }),
    }
    await this.frame
    old?.batcher.flush()
    if (!next) {
      drawDetections(o.overlay, o.overlay.width, o.overlay.height, [])
      o.view.faces(null, 'No model to serve')
    }
    await old?.model.session.release().catch(() => undefined)
  }

  /** Sends a due prediction batch, closes a due drift window (call about once a second). */
  tick(): void {
    this.served?.batcher.flushIfDue()
    this.served?.drift.closeIfDue()
  }

  private async loop(): Promise<void> {
    const { video } = this.o
    while (this.running) {
      const served = this.served
      if (!served || video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || video.videoWidth === 0) {
        await sleep(100)
        continue
      }
      this.frame = this.serveFrame(served, video.videoWidth, video.videoHeight)
      await this.frame
      await nextFrame(video)
    }
  }

  private async serveFrame(served: Served, width: number, height: number): Promise<void> {
    const { o } = this
    try {
      const r = await served.inference.infer(o.video, width, height)
      o.stats.recordFrame(r.latencyMs, performance.now())
      served.batcher.add(r)
      served.drift.add(r)
      drawDetections(o.overlay, width, height, r.detections)
      o.view.faces(r.detections.length)
    } catch (err) {
      o.stats.recordError()
      // the first few failures say why; after that the status counter tells how many
      if (this.errorsLogged++ < 5) o.view.log(`a frame failed: ${(err as Error).message}`, 'bad')
    }
  }
}

/** Resolves when the video presents a frame after this call (a timer where the browser lacks the callback). */
function nextFrame(video: HTMLVideoElement): Promise<void> {
  if (typeof video.requestVideoFrameCallback !== 'function') return sleep(30)
  // a stalled camera must not stall the loop for good (a swap waits for it)
  return Promise.race([new Promise<void>((resolve) => video.requestVideoFrameCallback(() => resolve())), sleep(1000)])
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
