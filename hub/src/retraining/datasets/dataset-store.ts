import type { DatasetRow, DatasetSnapshotView, DatasetSummary, LabelItem, Samples } from '@edgefleet/protocol'

/** What {@link DatasetStore.putSamples} did with one `samples` message. */
export interface SamplesPut {
  /** samples new to the store (a redelivered sample is not counted again) */
  stored: number
  /** of those, samples whose label had arrived first: they are labelled now */
  joined: number
}

/** What {@link DatasetStore.putLabels} did with a batch of labels. */
export interface LabelsPut {
  /** labels stored: new, or replacing an older label of the same sample */
  stored: number
  /** of those, labels whose sample has not arrived yet (kept, and joined when it arrives) */
  awaitingSample: number
  /** of those, labels whose sample is stored, per model of that sample */
  byModel: Record<string, number>
}

/** A snapshot's record and the JSONL file it describes. */
export interface SnapshotFile {
  view: DatasetSnapshotView
  /** absolute path of the (immutable) JSONL file */
  path: string
}

/** What a retention pass deleted, for the log. */
export interface RetentionApplied {
  model: string
  /** samples deleted that had no label, then labelled ones (their labels with them) */
  unlabelledSamples: number
  labelledSamples: number
  /** snapshots deleted, oldest first, with their files */
  snapshots: number[]
}

/**
 * The hub's training data: samples devices kept (keyed by device and sample id), ground-truth labels
 * for them (from devices or operators; a label may arrive before its sample), and immutable,
 * numbered dataset snapshots of each model's labelled samples. Writes are idempotent.
 */
export interface DatasetStore {
  /** Stores a `samples` message; a redelivered sample changes nothing. Applies sample retention. */
  putSamples(message: Samples, receivedAt?: number): Promise<SamplesPut>
  /**
   * Stores labels; per sample the label with the newest `ts` wins (on a tie the stored one stays, so a
   * redelivery changes nothing). A label without `ts` is dated `receivedAt`. Numbers are stored as their string.
   */
  putLabels(items: readonly LabelItem[], receivedAt?: number): Promise<LabelsPut>
  /** Samples, labels and measured accuracy per version of one model (zeros for a model without samples). */
  summary(model: string): Promise<DatasetSummary>
  /**
   * Labelled samples of `model`; with `since`, only those that became labelled at or after it (the later
   * of the label's and the sample's arrival at the hub, ms since the epoch).
   */
  labelledCount(model: string, o?: { since?: number }): Promise<number>
  /**
   * Writes every labelled sample of `model` to the next numbered JSONL file (crash-safe: temp file,
   * fsync, rename) and records it; applies snapshot retention. Refuses an empty dataset (HUB_DATASET_EMPTY).
   */
  createSnapshot(model: string, o: { reason: string }): Promise<DatasetSnapshotView>
  /** The model's snapshots, oldest first. */
  listSnapshots(model: string): Promise<DatasetSnapshotView[]>
  /** One snapshot's record and file path; null when there is none (never was, or deleted by retention). */
  getSnapshot(model: string, snapshot: number): Promise<SnapshotFile | null>
  /** Like getSnapshot, but the file's sha256 is checked first: a changed or missing file is HUB_DATASET_CORRUPT. */
  verifySnapshot(model: string, snapshot: number): Promise<SnapshotFile>
  /** The snapshot's rows in file order, after its sha256 is checked (HUB_SNAPSHOT_NOT_FOUND, HUB_DATASET_CORRUPT). */
  readSnapshot(model: string, snapshot: number): AsyncIterable<DatasetRow>
  /** Waits for a snapshot being written, then closes the file. A second call does nothing. */
  close(): Promise<void>
}
