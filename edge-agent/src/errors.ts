import type { ErrorCode } from '@edgefleet/protocol'

/** Agent-only codes that never cross the wire. */
export type AgentLocalCode =
  | 'AGENT_USAGE'
  | 'AGENT_BACKEND_UNAVAILABLE'
  | 'AGENT_SOURCE_FAILED'
  | 'AGENT_OUTPUT_FAILED'
  /** the hub refused the device's credentials (CONNACK 4 or 5) or its client id (CONNACK 2) */
  | 'AGENT_HUB_AUTH_FAILED'
  /** the hub's broker refused the connection for good (unacceptable protocol version) */
  | 'AGENT_HUB_REFUSED'
  /** the hub's TLS certificate is not accepted (untrusted CA, another host name, expired): give its CA with --ca */
  | 'AGENT_HUB_TLS_FAILED'
  /** the hub refused the device's claim: its claim token (at CONNACK) or a coded refusal (PROVISION_TOKEN_USED_UP, …) */
  | 'AGENT_CLAIM_REFUSED'
  /** another live agent holds the state directory */
  | 'AGENT_STATE_LOCKED'
  /** the outbox or state directory cannot be read or written (disk full, permissions, foreign device) */
  | 'AGENT_OUTBOX_FAILED'
  /** a camera frame could not be decoded (not an image, truncated, unreadable): rejected and counted */
  | 'AGENT_FRAME_INVALID'
  /** a camera snapshot could not be fetched (timeout, connection refused, non-2xx answer): rejected and counted */
  | 'AGENT_SNAPSHOT_FAILED'
  /** a camera source started where sharp (the native image decoder) cannot load, e.g. a flashed bundle without it */
  | 'AGENT_CAMERA_UNAVAILABLE'

/** Every error the agent raises: a stable code and a message that says what to do next. */
export class AgentError extends Error {
  override readonly name = 'AgentError'
  constructor(
    readonly code: ErrorCode | AgentLocalCode,
    message: string,
    options?: { cause?: unknown; step?: string },
  ) {
    super(message, options)
    this.step = options?.step
  }
  /** the named step of a multi-step flow (model load, activation) that failed */
  readonly step: string | undefined
}

/** Minimal logger the library takes (pino-compatible); the CLI passes pino. */
export interface Logger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

/** A logger that drops everything (default for library users who pass none). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} }
