/** Query values as the hub's routes take them: arrays repeat their key, undefined is left out. */
export type QueryValue = string | number | boolean | undefined | readonly (string | number)[]

/** Every REST path starts here (the hub serves the dashboard on the same origin). */
export const API_PREFIX = '/api/v1'

/** `/api/v1<path>?query`, with every value URL-encoded. */
export function apiUrl(path: string, query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v))
    else params.append(key, String(value))
  }
  const qs = params.toString()
  return `${API_PREFIX}${path}${qs ? `?${qs}` : ''}`
}

/** One path segment, encoded (device ids may hold `.`; model versions `+`). */
export function seg(value: string): string {
  return encodeURIComponent(value)
}
