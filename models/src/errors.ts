import type { ErrorCode, ValidationIssue } from '@edgefleet/protocol'

/**
 * A model package cannot be read, written or trusted. `code` is a protocol error code, so the agent can
 * report it on the wire unchanged.
 */
export class ModelPackageError extends Error {
  override readonly name = 'ModelPackageError'
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** schema violations, when the manifest is invalid */
    readonly issues: readonly ValidationIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** Codes of build failures; these stay on the build machine and never cross the wire. */
export type ModelBuildErrorCode =
  | 'BUILD_LAYER_UNSUPPORTED'
  | 'BUILD_EXPORT_MISMATCH'
  | 'BUILD_SELF_TEST_FAILED'
  | 'BUILD_DATA_INVALID'
  | 'BUILD_MODEL_UNEXPECTED'

/** A model package could not be built (bad data, an unexportable model, an export that does not match). */
export class ModelBuildError extends Error {
  override readonly name = 'ModelBuildError'
  constructor(
    readonly code: ModelBuildErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

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

/**
 * Codes of camera frames that cannot be prepared for a model. They stay on the device (the agent counts
 * and reports a rejected frame as `AGENT_READING_INVALID`), so they are not protocol error codes.
 */
export type ImageErrorCode =
  /** the bytes are not an image libvips can decode, or the image is truncated or corrupt */
  | 'IMAGE_DECODE_FAILED'
  /** no bytes, or an image with no pixels */
  | 'IMAGE_EMPTY'
  /** more pixels than the decoder is allowed to open */
  | 'IMAGE_TOO_LARGE'
  /** the image file named by a path cannot be read */
  | 'IMAGE_NOT_FOUND'

/** A camera frame could not be decoded or prepared; `code` says why, the message what to do next. */
export class ImageError extends Error {
  override readonly name = 'ImageError'
  constructor(
    readonly code: ImageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/**
 * Codes of `edgefleet model import` refusals. They stay on the operator's machine and never cross the
 * wire; each message names the input, output or file at fault and what to do next.
 */
export type ImportErrorCode =
  /** the file is missing, empty, or not an ONNX model onnxruntime can parse */
  | 'IMPORT_MODEL_UNREADABLE'
  /** onnxruntime-web cannot create a session (an operator its WASM backend lacks, a broken graph); the runtime's reason follows */
  | 'IMPORT_LOAD_FAILED'
  /** more inputs than a manifest the agent serves describes (state inputs, extra parameters), or an input of an unusable rank */
  | 'IMPORT_INPUT_UNSUPPORTED'
  /** an input or output element type the manifest cannot describe or the agent cannot feed */
  | 'IMPORT_DTYPE_UNSUPPORTED'
  /** outputs that do not fit the task (no probabilities for a classifier, no scores and boxes for a detector) */
  | 'IMPORT_OUTPUT_UNSUPPORTED'
  /** feature names, labels or shapes that disagree with the model's own tensors */
  | 'IMPORT_SPEC_MISMATCH'
  /** the spec file or a flag is not valid (unknown field, wrong type, missing required value) */
  | 'IMPORT_SPEC_INVALID'
  /** the reference data cannot be read or does not match the model's inputs */
  | 'IMPORT_REFERENCE_INVALID'
  /** the model fails its own self-test vectors, or produces NaN on the reference data */
  | 'IMPORT_SELF_TEST_FAILED'

/** `edgefleet model import` cannot build a package around this model; the message names the problem. */
export class ImportError extends Error {
  override readonly name = 'ImportError'
  /** the import step that failed (`inspect`, `plan-input`, …), set by the step runner */
  readonly step: string | undefined
  constructor(
    readonly code: ImportErrorCode,
    message: string,
    options?: { cause?: unknown; step?: string },
  ) {
    super(message, options)
    this.step = options?.step
  }
}

/** Codes of `edgefleet model train` failures: the CSV or the options. They never cross the wire. */
export type CsvTrainErrorCode =
  /** the file cannot be read or parsed as CSV (unbalanced quotes, ragged rows) */
  | 'CSV_UNREADABLE'
  /** a named column (label, feature) is not in the file */
  | 'CSV_COLUMN_UNKNOWN'
  /** a feature column holds text: the agent feeds numbers only */
  | 'CSV_COLUMN_NOT_NUMERIC'
  /** too few usable rows (or rows per class) to train and hold some out */
  | 'CSV_TOO_FEW_ROWS'
  /** the label column cannot serve the task (one class only, text for a regressor, too many classes) */
  | 'CSV_LABEL_UNUSABLE'
  /** an option is out of range (holdout, epochs, hidden layers, version, name) */
  | 'CSV_OPTIONS_INVALID'

/** `edgefleet model train` cannot train on this CSV with these options; the message says what to change. */
export class CsvTrainError extends Error {
  override readonly name = 'CsvTrainError'
  /** the training step that failed (`read`, `prepare`, …), set by the step runner */
  readonly step: string | undefined
  constructor(
    readonly code: CsvTrainErrorCode,
    message: string,
    options?: { cause?: unknown; step?: string },
  ) {
    super(message, options)
    this.step = options?.step
  }
}
