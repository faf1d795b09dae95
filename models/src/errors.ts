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
