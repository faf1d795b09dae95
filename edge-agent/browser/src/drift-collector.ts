import type { DriftDefaults, ReferenceStatistics } from '@edgefleet/protocol'
import { DriftWindow, type WindowContent } from '@edgefleet/models/drift'
import { DETECTION_STATISTICS, IMAGE_STATISTICS } from '@edgefleet/models/vision'
import type { FrameResult } from './frame-inference.ts'

/** The per-frame statistics of a detection model, in this order: the image's, then the detector's. */
const FRAME_STATISTICS: readonly string[] = [...IMAGE_STATISTICS, ...DETECTION_STATISTICS]

/** Options of {@link DriftCollector}. */
export interface DriftCollectorOptions {
  reference: ReferenceStatistics
  /** the manifest's window size: close after this many frames, or seconds after the first */
  window: Pick<DriftDefaults, 'windowSamples' | 'windowSeconds'>
  /** receives each closed window (its outputs carry the window's detection count) */
  publish: (content: WindowContent) => void
  now?: () => number
}

/**
 * Summarises every frame into the current drift window (`DriftWindow` of `@edgefleet/models/drift`,
 * over the manifest's reference features: the image statistics and the detection statistics), and
 * closes it after the manifest's `windowSamples` frames or `windowSeconds` after its first frame. A
 * reference feature this page does not compute is counted as missing.
 */
export class DriftCollector {
  private readonly window: DriftWindow
  /** for each reference feature, its index in FRAME_STATISTICS, or -1 */
  private readonly order: Int32Array
  private readonly values: Float64Array
  private readonly now: () => number
  private openedAt = 0
  private detections = 0
  /** windows closed so far */
  windows = 0

  constructor(private readonly o: DriftCollectorOptions) {
    this.window = new DriftWindow(o.reference.features, null)
    this.order = Int32Array.from(o.reference.features, (f) => FRAME_STATISTICS.indexOf(f.name))
    this.values = new Float64Array(this.order.length)
    this.now = o.now ?? Date.now
  }

  add(r: FrameResult): void {
    const frame = [...r.statistics, r.detections.length, r.topScore]
    for (let j = 0; j < this.order.length; j++) this.values[j] = this.order[j]! < 0 ? Number.NaN : frame[this.order[j]!]!
    if (this.window.count === 0) this.openedAt = this.now()
    this.window.add(r.ts, this.values, 0)
    this.detections += r.detections.length
    if (this.window.count >= this.o.window.windowSamples) this.close()
  }

  /** Closes a window that has been open for `windowSeconds` (call on a timer). */
  closeIfDue(): void {
    if (this.window.count > 0 && this.now() - this.openedAt >= this.o.window.windowSeconds * 1000) this.close()
  }

  private close(): void {
    const content = this.window.take()
    content.outputs = { ...content.outputs, detectionCount: this.detections }
    this.detections = 0
    this.windows++
    this.o.publish(content)
  }
}
