import type { DriftSummary, FeatureSummary, OutputSummary } from '@edgefleet/protocol'

/** Why two summaries cannot merge (different models or reference edges). */
export class SummaryMismatchError extends Error {
  override readonly name = 'SummaryMismatchError'
}

/**
 * Exact merge of two summaries of the same feature over the same edges: counts add, min and max
 * combine, mean and M2 by the parallel formula of Chan, Golub and LeVeque (stable for large means).
 */
export function mergeFeatureSummaries(a: FeatureSummary, b: FeatureSummary): FeatureSummary {
  if (a.name !== b.name || a.bins.length !== b.bins.length) {
    throw new SummaryMismatchError(`cannot merge feature ${a.name} (${a.bins.length} bins) with ${b.name} (${b.bins.length} bins)`)
  }
  const n = a.count + b.count
  const delta = b.mean - a.mean
  const mean = n === 0 ? 0 : a.mean + (delta * b.count) / n
  const m2 = n === 0 ? 0 : a.m2 + b.m2 + (delta * delta * a.count * b.count) / n
  const ties = new Map<number, number>(a.ties.map(([i, c]) => [i, c]))
  for (const [i, c] of b.ties) ties.set(i, (ties.get(i) ?? 0) + c)
  return {
    name: a.name,
    count: n,
    missing: a.missing + b.missing,
    mean,
    m2,
    min: minOf(a.min, b.min, Math.min),
    max: minOf(a.max, b.max, Math.max),
    bins: a.bins.map((c, i) => c + b.bins[i]!),
    ties: [...ties.entries()].sort((x, y) => x[0] - y[0]),
  }
}

function minOf(a: number | null, b: number | null, pick: (x: number, y: number) => number): number | null {
  if (a === null) return b
  if (b === null) return a
  return pick(a, b)
}

function addArrays(a: number[] | undefined, b: number[] | undefined): number[] | undefined {
  if (!a) return b && [...b]
  if (!b) return [...a]
  if (a.length !== b.length) throw new SummaryMismatchError(`cannot merge output histograms of ${a.length} and ${b.length} bins`)
  return a.map((x, i) => x + b[i]!)
}

function addOptional(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0)
}

export function mergeOutputSummaries(a: OutputSummary, b: OutputSummary): OutputSummary {
  const out: OutputSummary = {}
  const classCounts = addArrays(a.classCounts, b.classCounts)
  const confidenceBins = addArrays(a.confidenceBins, b.confidenceBins)
  const entropySum = addOptional(a.entropySum, b.entropySum)
  const detectionCount = addOptional(a.detectionCount, b.detectionCount)
  if (classCounts) out.classCounts = classCounts
  if (confidenceBins) out.confidenceBins = confidenceBins
  if (entropySum !== undefined) out.entropySum = entropySum
  if (detectionCount !== undefined) out.detectionCount = detectionCount
  return out
}

/** A merged window: what several device windows of one model version add up to. */
export interface MergedWindow {
  model: DriftSummary['model']
  window: DriftSummary['window']
  features: FeatureSummary[]
  outputs: OutputSummary
  /** device windows merged into this one */
  parts: number
}

/** Merges window summaries of one model version (any devices, any order) exactly. */
export function mergeWindows(windows: readonly Pick<DriftSummary, 'model' | 'window' | 'features' | 'outputs'>[]): MergedWindow {
  if (windows.length === 0) throw new RangeError('nothing to merge')
  const first = windows[0]!
  let features = first.features
  let outputs = first.outputs
  let { start, end, count } = first.window
  for (const w of windows.slice(1)) {
    if (w.model.name !== first.model.name || w.model.version !== first.model.version) {
      throw new SummaryMismatchError(`cannot merge ${w.model.name}@${w.model.version} into ${first.model.name}@${first.model.version}: different reference statistics`)
    }
    if (w.features.length !== features.length) throw new SummaryMismatchError(`cannot merge windows of ${w.features.length} and ${features.length} features`)
    features = features.map((f, i) => mergeFeatureSummaries(f, w.features[i]!))
    outputs = mergeOutputSummaries(outputs, w.outputs)
    start = Math.min(start, w.window.start)
    end = Math.max(end, w.window.end)
    count += w.window.count
  }
  return { model: { ...first.model }, window: { start, end, count }, features, outputs, parts: windows.length }
}
