/** Told that `count` samples of `model` became labelled (or got a newer label). */
export type LabelsListener = (model: string, count: number) => void

/**
 * Where new labels are announced, whichever way they came: device `labels` messages, device
 * `samples` that a waiting label joined, and `POST /api/v1/labels`. Retraining triggers subscribe
 * ("after N new labels"). Counts are per model and never include a label whose sample has not
 * arrived: it is announced when the sample arrives, under the sample's model, so nothing is counted twice.
 */
export class LabelArrivals {
  private readonly listeners = new Set<LabelsListener>()

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: LabelsListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Tells every listener; a listener that throws does not stop the others (nor the caller's store). */
  notify(model: string, count: number, onError?: (err: unknown) => void): void {
    if (count <= 0) return
    for (const listener of this.listeners) {
      try {
        listener(model, count)
      } catch (err) {
        onError?.(err)
      }
    }
  }

  /** Announces every model of a {@link LabelsPut}'s `byModel`. */
  notifyAll(byModel: Readonly<Record<string, number>>, onError?: (err: unknown) => void): void {
    for (const [model, count] of Object.entries(byModel)) this.notify(model, count, onError)
  }
}
