/**
 * Error codes that cross the wire (deploy events, command results, REST error bodies).
 * Stable: never rename a code, only add new ones.
 */
/** Why the hub refused a device's claim (ProvisionResponse `code`). */
export const ProvisionRefusalCodes = [
  /** the token's expiry has passed: ask the operator for a new token */
  'PROVISION_TOKEN_EXPIRED',
  /** an operator revoked the token */
  'PROVISION_TOKEN_REVOKED',
  /** every use of the token is spent (a device it already made may still ask again) */
  'PROVISION_TOKEN_USED_UP',
  /** the token is no longer known to the hub */
  'PROVISION_TOKEN_UNKNOWN',
  /** the serial cannot name a device */
  'PROVISION_SERIAL_INVALID',
  /** the device id this serial maps to belongs to a device this token did not make */
  'PROVISION_DEVICE_EXISTS',
  /** the device this token made for this serial has been revoked */
  'PROVISION_DEVICE_REVOKED',
  /** the request was not a valid ProvisionRequest */
  'PROVISION_REQUEST_INVALID',
  /** the hub could not store the device; try again later */
  'PROVISION_FAILED',
] as const

export type ProvisionRefusalCode = (typeof ProvisionRefusalCodes)[number]

export const ErrorCodes = [
  // payload and topic problems
  'PROTOCOL_PAYLOAD_TOO_LARGE',
  'PROTOCOL_PAYLOAD_NOT_JSON',
  'PROTOCOL_PAYLOAD_INVALID',
  'PROTOCOL_TOPIC_INVALID',
  // model packages
  'MODEL_MANIFEST_INVALID',
  'MODEL_FILE_MISSING',
  'MODEL_DIGEST_MISMATCH',
  'MODEL_LOAD_FAILED',
  'MODEL_SELF_TEST_FAILED',
  'MODEL_INPUT_UNSUPPORTED',
  // device-side activation steps (rollouts)
  'AGENT_DOWNLOAD_FAILED',
  'AGENT_DOWNLOAD_TOO_LARGE',
  'AGENT_SIGNATURE_INVALID',
  'AGENT_SIGNATURE_EXPIRED',
  'AGENT_DOWNGRADE_REFUSED',
  'AGENT_SWAP_FAILED',
  'AGENT_TARGET_MISMATCH',
  'AGENT_STORAGE_FAILED',
  'MODEL_OUTPUT_INVALID',
  // readings
  'AGENT_READING_INVALID',
  'AGENT_FEATURE_MISSING',
  'AGENT_FEATURE_NOT_NUMERIC',
  'AGENT_QUEUE_FULL',
  // commands
  'AGENT_COMMAND_UNKNOWN',
  'AGENT_COMMAND_FAILED',
  // provisioning by claim
  ...ProvisionRefusalCodes,
] as const

export type ErrorCode = (typeof ErrorCodes)[number]

/** One schema violation, as reported to users: where in the payload and what is wrong. */
export interface ValidationIssue {
  /** JSON pointer into the payload, `''` for the root. */
  path: string
  message: string
}

/** Thrown (or returned) when a topic or payload does not match protocol v1. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError'
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues: readonly ValidationIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}
