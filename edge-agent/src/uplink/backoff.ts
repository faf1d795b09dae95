/** Options of the reconnect schedule. */
export interface BackoffOptions {
  /** ceiling of the first delay, ms (default 500) */
  initialMs?: number
  /** largest ceiling, ms (default 30 000) */
  maxMs?: number
}

/** The defaults of {@link BackoffOptions}. */
export const BACKOFF_DEFAULTS = { initialMs: 500, maxMs: 30_000 } as const

/**
 * Delay before reconnect attempt `attempt` (0-based): exponential with "equal jitter", a uniformly
 * random point in [ceiling/2, ceiling] where ceiling = min(maxMs, initialMs × 2^attempt). With the
 * defaults: 0.25–0.5 s, 0.5–1 s, 1–2 s, 2–4 s, 4–8 s, 8–16 s, then 15–30 s for every later attempt.
 * The random half spreads a fleet that lost its hub at the same moment; the fixed half keeps a
 * single device from hammering a hub that refuses it.
 */
export function reconnectDelayMs(attempt: number, o: BackoffOptions = {}, random: () => number = Math.random): number {
  const initialMs = o.initialMs ?? BACKOFF_DEFAULTS.initialMs
  const maxMs = o.maxMs ?? BACKOFF_DEFAULTS.maxMs
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 40))
  return Math.round(ceiling / 2 + (ceiling / 2) * random())
}
