import type { RolloutView } from '@edgefleet/protocol'

/** Device states of a wave, in the order people read them (the hub's `rollout-progress` counts). */
export const DEVICE_STATES = ['pending', 'installing', 'active', 'failed', 'rolled-back', 'offline'] as const

export interface StageRow {
  /** `Wave 1`, …, or `Shadow stage` */
  label: string
  /** devices finished updating (active) out of `max` */
  value: number
  max: number
  /** `active 3 · installing 1 · failed 0`, non-zero states only (`no devices yet` when empty) */
  countsText: string
  /** e.g. `10 %` of the target, cumulative */
  percent: number
  /** `current`, `done` or `next`, for the wave against the rollout's current one */
  phase: 'done' | 'current' | 'next'
}

export function countsText(counts: Record<string, number>): string {
  const known: string[] = DEVICE_STATES.filter((s) => (counts[s] ?? 0) > 0)
  const extra = Object.keys(counts).filter((s) => !known.includes(s) && !(DEVICE_STATES as readonly string[]).includes(s) && (counts[s] ?? 0) > 0)
  const parts = [...known, ...extra].map((s) => `${s} ${counts[s]}`)
  return parts.length > 0 ? parts.join(' · ') : 'no devices yet'
}

/** One row per stage: the shadow stage first (when there is one), then every wave. */
export function stageRows(r: RolloutView): StageRow[] {
  const rows: StageRow[] = []
  const shadow = r.progress.shadow
  if (shadow && r.shadow) {
    rows.push({
      label: 'Shadow stage',
      value: shadow.counts.active ?? 0,
      max: Math.max(shadow.assigned, 1),
      countsText: countsText(shadow.counts),
      percent: r.shadow.percent,
      phase: r.state === 'shadow' ? 'current' : 'done',
    })
  }
  for (const w of r.progress.waves) {
    const finished = r.state === 'completed' || w.index < r.wave
    rows.push({
      label: `Wave ${w.index + 1}`,
      value: w.counts.active ?? 0,
      max: Math.max(w.expected, w.assigned, 1),
      countsText: countsText(w.counts),
      percent: w.percent,
      phase: finished ? 'done' : w.index === r.wave && r.state !== 'shadow' ? 'current' : 'next',
    })
  }
  return rows
}

/** A gate's figure as people read it: counts as counts, everything else (rates, increases) as a percentage. */
export function formatGateFigure(gate: string, value: number | null, locale?: string): string {
  if (value === null) return '—'
  if (gate === 'drift-alerts' || /count|executed|runs/.test(gate)) return String(value)
  return `${(value * 100).toLocaleString(locale, { maximumFractionDigits: 1 })} %`
}
