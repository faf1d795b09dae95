import type { DriftSummary } from '@edgefleet/protocol'
import { mergeWindows, type MergedWindow } from './merge.ts'

/**
 * Windows too small to be judged alone (fewer samples than the policy's `minCount`), merged exactly
 * with the following ones until they are big enough. The agent and the hub both judge this way.
 */
export class PendingWindow {
  private merged: MergedWindow | null = null

  add(window: Pick<DriftSummary, 'model' | 'window' | 'features' | 'outputs'>): void {
    this.merged = mergeWindows(this.merged ? [this.merged, window] : [window])
  }

  /** Samples held. */
  get count(): number {
    return this.merged?.window.count ?? 0
  }

  /** The merged window once it holds at least `minCount` samples (and an empty one after it); null before. */
  take(minCount: number): MergedWindow | null {
    if (!this.merged || this.merged.window.count < minCount) return null
    const window = this.merged
    this.merged = null
    return window
  }
}
