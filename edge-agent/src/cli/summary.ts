import type { DriftFigures } from '../drift/drift-monitor.ts'
import type { AgentStats } from '../pipeline/stats.ts'
import type { SamplingFigures } from '../sampling/agent-sampling.ts'
import { SAMPLE_REASONS } from '../sampling/sampler.ts'

/** A short, human summary of a run, for stderr. */
export function formatSummary(stats: AgentStats, model: string, backend: string): string {
  const elapsed = (performance.now() - stats.startedAt) / 1000
  const perReadingMs = stats.inferenceMs / Math.max(stats.predictions, 1)
  const rate = stats.predictions / Math.max(elapsed, 1e-9)
  const lines = [
    '',
    stats.frames > 0
      ? `${model} on ${backend}: ${stats.predictions} frames in ${elapsed.toFixed(2)} s (${rate.toFixed(1)} fps, ` +
        `${perReadingMs.toFixed(1)} ms inference and ${(stats.prepareMs / stats.frames).toFixed(1)} ms preprocessing per frame)`
      : `${model} on ${backend}: ${stats.predictions} predictions in ${elapsed.toFixed(2)} s ` +
        `(${Math.round(rate)}/s, ${stats.batches} batches, ${(perReadingMs * 1000).toFixed(1)} µs inference per reading)`,
  ]
  for (const [name, s] of stats.sources) {
    const accuracy = s.labelled > 0 ? `  accuracy ${(100 * s.correct / s.labelled).toFixed(1)}% (${s.correct}/${s.labelled})` : ''
    // sources are keyed by full path; people read the file name (a snapshot URL stays whole)
    lines.push(`  ${name.includes('://') ? name : name.replace(/^(\w+:).*[\\/]/, '$1')}: ${s.readings} ${stats.frames > 0 ? 'frames' : 'readings'}${accuracy}`)
  }
  if (stats.failedReadings > 0) lines.push(`  ${stats.failedReadings} reading(s) not predicted: the model failed on their batch (MODEL_OUTPUT_INVALID)`)
  if (stats.rejectedTotal > 0) {
    lines.push(`  rejected ${stats.rejectedTotal} reading(s): ${[...stats.rejected].map(([code, n]) => `${code} ×${n}`).join(', ')}`)
  }
  return `${lines.join('\n')}\n`
}

/** One summary line about drift: windows, the agent's own verdict, and the drifted features. */
export function formatDriftSummary(d: DriftFigures & { sent: number; written: number }): string {
  const where = [d.sent > 0 && `${d.sent} sent to the hub`, d.written > 0 && `${d.written} written`].filter(Boolean).join(', ')
  const kinds = d.kinds.length > 0 ? ` (${d.kinds.join(', ')})` : ''
  const shown = d.features.slice(0, 8).join(', ') + (d.drifted > 8 ? `, …` : '')
  const features = d.drifted > 0 ? `; ${d.drifted} feature(s) drifted in the last window: ${shown}` : ''
  return `  drift: ${d.windows} window(s)${where ? `, ${where}` : ''}, ${d.judged} judged; state ${d.state}${kinds}${features}\n`
}

/** Summary lines about training samples and delayed labels. */
export function formatSamplingSummary(f: SamplingFigures): string {
  const perReason = (counts: Record<string, number>): string => SAMPLE_REASONS.filter((r) => counts[r]! > 0).map((r) => `${r} ×${counts[r]}`).join(', ')
  const kept = SAMPLE_REASONS.reduce((n, r) => n + f.kept[r], 0)
  const dropped = SAMPLE_REASONS.reduce((n, r) => n + f.dropped[r], 0)
  const lines = [`  samples: ${kept} of ${f.considered} readings kept${kept > 0 ? ` (${perReason(f.kept)})` : ''}, ${f.uploaded} uploaded in ${f.messages} message(s)` +
    (dropped > 0 ? `; ${dropped} over the budget dropped (${perReason(f.dropped)})` : '') + (f.refused > 0 ? `; ${f.refused} refused` : '')]
  const l = f.labels
  if (l) {
    const next = l.nextDueInMs !== undefined ? `, the next due in ${(l.nextDueInMs / 1000).toFixed(1)} s (sent by a later run)` : ''
    lines.push(`  labels: ${l.sent} sent, ${l.pending} pending${next}` + (l.refused > 0 ? `, ${l.refused} refused` : '') + (l.overflow > 0 ? `, ${l.overflow} not kept (too many pending)` : ''))
  }
  return `${lines.join('\n')}\n`
}
