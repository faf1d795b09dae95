/** Hub error codes; stable, never renamed. HTTP status where a route returns them. */
export const HubErrorCodes = {
  HUB_USAGE: 400,
  HUB_CONFIG_INVALID: 400,
  HUB_PORT_IN_USE: 500,
  HUB_DEVICE_EXISTS: 409,
  HUB_DEVICE_NOT_FOUND: 404,
  HUB_DEVICE_ID_INVALID: 400,
  /** a claim token of that name exists already */
  HUB_CLAIM_TOKEN_EXISTS: 409,
  HUB_CLAIM_TOKEN_NOT_FOUND: 404,
  /** every use of the claim token is spent */
  HUB_CLAIM_TOKEN_USED_UP: 409,
  HUB_CREDENTIAL_EXISTS: 409,
  HUB_CREDENTIAL_NOT_FOUND: 404,
  HUB_CREDENTIAL_NAME_INVALID: 400,
  HUB_STORE_SCHEMA_NEWER: 500,
  HUB_UNAUTHORIZED: 401,
  HUB_FORBIDDEN: 403,
  /** an operator token whose role is below the route's (viewer ⊂ operator ⊂ admin); the message names both */
  HUB_ROLE_INSUFFICIENT: 403,
  /** a route under /api declares no role (`config: { role }`): the hub refuses to start */
  HUB_ROUTE_ROLE_MISSING: 500,
  HUB_STORE_FAILED: 500,
  /** the PostgreSQL registry (--registry-url) cannot be reached, or refused the login: the message says which and what to check */
  HUB_REGISTRY_UNREACHABLE: 503,
  /** --registry-url / EDGEFLEET_REGISTRY_URL is not a postgres:// URL with a database */
  HUB_REGISTRY_URL_INVALID: 400,
  HUB_TELEMETRY_UNAVAILABLE: 503,
  HUB_TELEMETRY_POINT_INVALID: 400,
  HUB_TELEMETRY_QUERY_INVALID: 400,
  HUB_BROKER_UNREACHABLE: 503,
  HUB_ALERT_NOT_FOUND: 404,
  HUB_ALERT_INVALID: 400,
  HUB_SIGNING_KEY_INVALID: 500,
  HUB_MODEL_VERSION_EXISTS: 409,
  HUB_MODEL_VERSION_NOT_NEWER: 409,
  HUB_MODEL_INVALID: 400,
  HUB_MODEL_NOT_FOUND: 404,
  /** the TLS certificate or key (or a CA file) cannot be read, parsed, or do not belong together */
  HUB_TLS_INVALID: 400,
  /** a TLS connection to the hub failed: its certificate is not trusted here or names another host */
  HUB_TLS_UNTRUSTED: 503,
  /** a model package upload over the hub's size limit */
  HUB_UPLOAD_TOO_LARGE: 413,
  /** a `Range` request header whose first byte is past the end of the file */
  HUB_RANGE_NOT_SATISFIABLE: 416,
  /** the CLI could not reach the hub's REST API */
  HUB_UNREACHABLE: 503,
  /** `edgefleet flash`: the agent bundle (edge-agent/dist/bundle) is not built or incomplete */
  HUB_AGENT_BUNDLE_MISSING: 500,
  /** `edgefleet flash --out`: the file, or a non-empty directory, exists and --force was not given */
  HUB_FLASH_OUTPUT_EXISTS: 409,
  /** an unexpected failure (the hub's error handler gives it to errors without a code) */
  HUB_INTERNAL: 500,
  HUB_ROLLOUT_NOT_FOUND: 404,
  /** another rollout of the same model is still running */
  HUB_ROLLOUT_CONFLICT: 409,
  /** the rollout is not in a state that allows this (e.g. resuming a completed one) */
  HUB_ROLLOUT_STATE: 409,
  /** a dataset snapshot of a model without labelled samples */
  HUB_DATASET_EMPTY: 409,
  /** no such dataset snapshot (never made, or deleted by retention) */
  HUB_SNAPSHOT_NOT_FOUND: 404,
  /** a snapshot file is missing or no longer matches its recorded sha256 */
  HUB_DATASET_CORRUPT: 500,
  HUB_JOB_NOT_FOUND: 404,
  /** a retraining job of the same model is queued or running */
  HUB_JOB_CONFLICT: 409,
  /** the job is not in a state that allows this (e.g. cancelling a finished one) */
  HUB_JOB_STATE: 409,
  /** a job was cancelled by an operator or the hub's shutdown */
  HUB_JOB_CANCELLED: 409,
  /** a job failed in one of its steps (the message names it) */
  HUB_JOB_FAILED: 500,
  /** too few labelled samples to retrain or to judge a candidate */
  HUB_JOB_TOO_FEW_LABELS: 409,
  /** the model cannot be retrained by the configured trainer (not a tabular classifier, unknown labels) */
  HUB_JOB_UNSUPPORTED: 400,
} as const

export type HubErrorCode = keyof typeof HubErrorCodes

/** Every error the hub raises: a stable code, an HTTP status, and a message that says what to do next. */
export class HubError extends Error {
  override readonly name = 'HubError'
  readonly statusCode: number
  constructor(
    readonly code: HubErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.statusCode = HubErrorCodes[code]
  }
}
