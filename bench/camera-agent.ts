import { dirname } from 'node:path'
import {
  availableBackends, FrameDirSource, loadPackage, runPipeline, servingModel,
  type AgentPrediction, type BackendKind, type PredictionSink,
} from '@edgefleet/edge-agent'

/** One backend's figure for the agent's own pipeline on a looped frame directory. */
export interface AgentFrameRate {
  backend: BackendKind
  frames: number
  fps: number
  faces: number
}

/** Counts predictions and their detections; writes nothing (the figure is the pipeline's). */
class CountingSink implements PredictionSink {
  frames = 0
  faces = 0
  write(batch: readonly AgentPrediction[]): void {
    this.frames += batch.length
    for (const p of batch) this.faces += p.detections?.length ?? 0
  }
  async close(): Promise<void> {}
}

/**
 * The agent library's pipeline on the photos' directory replayed in a loop (frame source with sharp →
 * bounded queue → session.run → NMS → sink), for `seconds` after one warm-up pass, per available backend,
 * with the CLI's camera defaults (batch 1, queue 8) and one inference thread.
 */
export async function agentFrameRates(o: { packageDir: string; photos: readonly string[]; seconds: number }): Promise<AgentFrameRate[]> {
  const dir = dirname(o.photos[0]!)
  const results: AgentFrameRate[] = []
  for (const backend of await availableBackends()) {
    const loaded = await loadPackage(o.packageDir, { backend, threads: 1 })
    const model = servingModel(loaded.manifest, loaded.backend)
    try {
      await runPipeline({ model, sources: [new FrameDirSource({ dir })], sink: new CountingSink(), batchSize: 1, queueSize: 8 })
      const sink = new CountingSink()
      const stop = new AbortController()
      const timer = setTimeout(() => stop.abort(), o.seconds * 1000)
      const t0 = performance.now()
      await runPipeline({ model, sources: [new FrameDirSource({ dir, loop: true })], sink, batchSize: 1, queueSize: 8, signal: stop.signal })
      clearTimeout(timer)
      const elapsed = (performance.now() - t0) / 1000
      results.push({ backend, frames: sink.frames, fps: sink.frames / elapsed, faces: sink.faces / Math.max(1, sink.frames) })
    } finally {
      await loaded.backend.close()
    }
  }
  return results
}
