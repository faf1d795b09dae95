/** Codes the dashboard gives failures that carry no hub error code. */
export const DashboardErrorCodes = {
  /** the hub could not be reached (no answer at all) */
  network: 'DASHBOARD_NETWORK',
  /** the hub answered with something that is not its JSON error body */
  badResponse: 'DASHBOARD_BAD_RESPONSE',
} as const

/**
 * A failed call to the hub: the hub's own error (`statusCode`, `code`, `message` from its error body), or a
 * dashboard code when no answer, or no readable one, came back (`status` 0 for a network failure).
 */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    /** HTTP status; 0 when the hub could not be reached */
    readonly status: number,
    /** the hub's stable error code (e.g. `HUB_ROLLOUT_CONFLICT`), or one of {@link DashboardErrorCodes} */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }

  get unauthorized(): boolean {
    return this.status === 401
  }
}

/** The error body of a hub answer, or null when `body` is not one. */
export function readErrorBody(body: unknown): { code: string; message: string } | null {
  if (typeof body !== 'object' || body === null) return null
  const { code, message } = body as Record<string, unknown>
  if (typeof message !== 'string') return null
  return { code: typeof code === 'string' ? code : DashboardErrorCodes.badResponse, message }
}

/** An ApiError for a non-2xx answer: the hub's message when it sent its error body, else what to do about it. */
export function errorFromResponse(status: number, statusText: string, body: unknown): ApiError {
  const hub = readErrorBody(body)
  if (hub) return new ApiError(status, hub.code, hub.message)
  const what = `the hub answered ${status}${statusText ? ` ${statusText}` : ''} without an error message`
  const next = status >= 500 || status === 0
    ? 'check that the hub (or the proxy in front of it) is running and try again'
    : 'check that this page is served by an edgefleet hub'
  return new ApiError(status, DashboardErrorCodes.badResponse, `${what}: ${next}`)
}

/** The failure of a request that got no answer. */
export function networkError(cause: unknown): ApiError {
  return new ApiError(
    0,
    DashboardErrorCodes.network,
    'Cannot reach the hub: check that it is running and that your network connection works, then try again.',
    { cause },
  )
}

/** What to tell a person about any error: the hub's message with its code, or the error's own message. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    return err.code === DashboardErrorCodes.network || err.code === DashboardErrorCodes.badResponse
      ? err.message
      : `${err.message} (${err.code})`
  }
  if (err instanceof Error) return err.message
  return String(err)
}

/** True when `err` is the abort of a request this page cancelled itself. */
export function isAbort(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError'
}
