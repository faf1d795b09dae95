import type { DriftFigures } from '../drift/drift-monitor.ts'
import type { AgentStats } from '../pipeline/stats.ts'

/** A short, human summary of a run, for stderr. */
export function formatSummary(stats: AgentStats, model: string, backend: string): string {
  const elapsed = (performance.now() - stats.startedAt) / 1000
  const lines = [
    '',
    `${model} on ${backend}: ${stats.predictions} predictions in ${elapsed.toFixed(2)} s ` +
      `(${Math.round(stats.predictions / Math.max(elapsed, 1e-9))}/s, ${stats.batches} batches, ` +
      `${(stats.inferenceMs / Math.max(stats.predictions, 1) * 1000).toFixed(1)} µs inference per reading)`,
  ]
  for (const [name, s] of stats.sources) {
    const accuracy = s.labelled > 0 ? `  accuracy ${(100 * s.correct / s.labelled).toFixed(1)}% (${s.correct}/${s.labelled})` : ''
    // sources are keyed by full path; people read the file name
    lines.push(`  ${name.replace(/^(\w+:).*[\\/]/, '$1')}: ${s.readings} readings${accuracy}`)
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
