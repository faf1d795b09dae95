/**
 * Codes of retraining failures. They reach the hub's job view (`JobView.error.code`) as strings and
 * never cross the device wire, so they are not protocol error codes.
 */
export type RetrainErrorCode =
  /** a labelled or reference row names a class the parent model does not have */
  | 'RETRAIN_LABEL_UNKNOWN'
  /** no labelled rows, or none left once rows with a missing feature are dropped */
  | 'RETRAIN_DATASET_EMPTY'
  /** too few usable labelled rows to hold some out and train on the rest */
  | 'RETRAIN_DATASET_TOO_SMALL'
  /** a row has the wrong number of features or no finite timestamp */
  | 'RETRAIN_ROW_INVALID'
  /** the package is not a tabular classifier (or, to be retrained, not a softmax MLP) */
  | 'RETRAIN_MODEL_UNSUPPORTED'
  /** an option is out of range (holdout fraction, reference ratio, epochs, version) */
  | 'RETRAIN_OPTIONS_INVALID'
  /** the caller's signal aborted the job */
  | 'RETRAIN_CANCELLED'
  /** the worker thread crashed or exited without an answer */
  | 'RETRAIN_WORKER_FAILED'

/** Retraining cannot start or did not finish; `code` says why, the message what to do next. */
export class RetrainError extends Error {
  override readonly name = 'RetrainError'
  constructor(
    readonly code: RetrainErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}
