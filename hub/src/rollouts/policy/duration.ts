/** Durations as people write them on the command line: `90s`, `5m`, `1h30m`, `2d`, `500ms`. */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/

/** `'5m'` → 300000; `'0'` → 0. Returns a problem string for anything else, so that callers can report all bad flags at once. */
export function parseDuration(text: string): number | string {
  const t = text.trim()
  if (t === '0') return 0
  if (!WHOLE.test(t)) return `${JSON.stringify(text)} is not a duration: write e.g. 90s, 5m, 1h30m or 2d`
  let ms = 0
  PART.lastIndex = 0
  for (let m = PART.exec(t); m !== null; m = PART.exec(t)) ms += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]
  return Math.round(ms)
}

/** 300000 → `'5m'`, 5400000 → `'1h30m'`, 1500 → `'1.5s'`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`
  const parts: string[] = []
  let rest = ms
  for (const [unit, size] of [['d', UNIT_MS.d], ['h', UNIT_MS.h], ['m', UNIT_MS.m]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`)
      rest %= size
    }
  }
  if (rest > 0) parts.push(`${Number((rest / 1000).toFixed(3))}s`)
  return parts.join('')
}
