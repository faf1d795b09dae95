import type { Prediction } from '@edgefleet/protocol'
import type { FrameResult } from './frame-inference.ts'

/** Options of {@link PredictionBatcher}. */
export interface PredictionBatcherOptions {
  /** frames per `…/pred` message at most (default 30) */
  maxItems?: number
  /** a batch older than this is sent, ms (default 1000) */
  maxAgeMs?: number
  /** boxes per message at most (default 1000, about 100 KB: well under the protocol's 256 KiB payload limit) */
  maxDetections?: number
  /** receives each full or due batch, oldest frame first */
  publish: (items: Prediction[]) => void
  now?: () => number
}

/**
 * Groups frames into prediction batches: one `…/pred` message per second, per 30 frames or per 1000
 * boxes, rather than one per frame. Each frame is one prediction: its boxes, its inference latency, and as
 * `confidence` the highest face score of the frame (before the threshold), so the hub's confidence
 * charts and drift statistics follow the detector's certainty.
 */
export class PredictionBatcher {
  private items: Prediction[] = []
  private detections = 0
  private firstAt = 0
  private frames = 0
  private readonly prefix = Date.now().toString(36)
  private readonly maxItems: number
  private readonly maxAgeMs: number
  private readonly maxDetections: number
  private readonly now: () => number

  constructor(private readonly o: PredictionBatcherOptions) {
    this.maxItems = o.maxItems ?? 30
    this.maxAgeMs = o.maxAgeMs ?? 1000
    this.maxDetections = o.maxDetections ?? 1000
    this.now = o.now ?? Date.now
  }

  add(r: FrameResult): void {
    // a crowded frame must not push the message over the payload limit: send what is there first
    if (this.items.length > 0 && this.detections + r.detections.length > this.maxDetections) this.flush()
    if (this.items.length === 0) this.firstAt = this.now()
    this.detections += r.detections.length
    // unique per page load: the page's start time and the frame's number
    const id = `${this.prefix}-${++this.frames}`
    this.items.push({ id, ts: r.ts, latencyMs: r.latencyMs, confidence: Math.min(1, Math.max(0, r.topScore)), detections: r.detections })
    if (this.items.length >= this.maxItems) this.flush()
  }

  /** Sends the batch when it is old enough (call on a timer, so a stalled camera still sends what it has). */
  flushIfDue(): void {
    if (this.items.length > 0 && this.now() - this.firstAt >= this.maxAgeMs) this.flush()
  }

  flush(): void {
    if (this.items.length === 0) return
    const items = this.items
    this.items = []
    this.detections = 0
    this.o.publish(items)
  }
}
