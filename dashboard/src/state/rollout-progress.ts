import type { RolloutView } from '@edgefleet/protocol'

/** Device states of a wave, in the order people read them (the hub's `rollout-progress` counts). */
export const DEVICE_STATES = ['pending', 'installing', 'active', 'failed', 'rolled-back', 'offline'] as const

export interface StageRow {
  /** `Wave 1`, …, or `Shadow stage` */
  label: string
  /** devices finished updating (active) out of `max` */
  value: number
  /** the devices assigned to the stage; while none are, the devices expected in it (at least 1) */
  max: number
  /** `3 of 4 active · installing 1`: the bar in words, then the other non-zero states */
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

/**
 * A stage's bar: active devices out of those the hub assigned to it. The stable hash that assigns devices
 * rarely splits a target exactly by the wave percentages, so a wave's nominal share (`expected`) is only the
 * scale until devices are assigned: a finished wave with fewer devices than its share is a full bar.
 */
function stageBar(assigned: number, expected: number, counts: Record<string, number>): Pick<StageRow, 'value' | 'max' | 'countsText'> {
  const active = counts.active ?? 0
  if (assigned === 0 && active === 0) {
    return { value: 0, max: Math.max(expected, 1), countsText: expected > 0 ? `none assigned yet (about ${expected} expected)` : 'no devices yet' }
  }
  // an active count above `assigned` (a status racing the assignment) still fits its bar
  const max = Math.max(assigned, active, 1)
  const others = Object.fromEntries(Object.entries(counts).filter(([state]) => state !== 'active'))
  const rest = Object.values(others).some((n) => n > 0) ? ` · ${countsText(others)}` : ''
  return { value: active, max, countsText: `${active} of ${max} active${rest}` }
}

/** One row per stage: the shadow stage first (when there is one), then every wave. */
export function stageRows(r: RolloutView): StageRow[] {
  const rows: StageRow[] = []
  const shadow = r.progress.shadow
  if (shadow && r.shadow) {
    rows.push({
      label: 'Shadow stage',
      ...stageBar(shadow.assigned, 0, shadow.counts),
      percent: r.shadow.percent,
      phase: r.state === 'shadow' ? 'current' : 'done',
    })
  }
  for (const w of r.progress.waves) {
    const finished = r.state === 'completed' || w.index < r.wave
    rows.push({
      label: `Wave ${w.index + 1}`,
      ...stageBar(w.assigned, w.expected, w.counts),
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
