/** Reads one Prometheus counter's samples from the hub's `/metrics` text: label set (as written) → value. */
export function counterSamples(metricsText: string, name: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of metricsText.split('\n')) {
    const m = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`).exec(line)
    if (m) out.set(m[1] ?? '', Number(m[2]))
  }
  return out
}

/** The value of `name{labels}` (labels as `key="value"` pairs, in any order); 0 when absent. */
export function counterValue(metricsText: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const [set, value] of counterSamples(metricsText, name)) {
    const have = set.slice(1, -1).split(',')
    if (want.every((w) => have.includes(w)) && have.length === want.length) return value
  }
  return 0
}
