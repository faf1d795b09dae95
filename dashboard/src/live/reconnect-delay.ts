/** First wait before reconnecting, and the most any wait grows to. */
export const RECONNECT_BASE_MS = 1000
export const RECONNECT_MAX_MS = 30_000

/**
 * How long to wait before reconnection attempt `attempt` (0 for the first after a drop): exponential from
 * 1 s up to 30 s, with "equal jitter" (half fixed, half random) so that a restarted hub is not met by every
 * dashboard at the same instant. `random` is in [0, 1).
 */
export function reconnectDelay(attempt: number, random: number): number {
  const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** Math.max(0, attempt))
  return Math.round(ceiling / 2 + (ceiling / 2) * random)
}
