import { AgentError } from '../errors.ts'
import type { ServingModel } from '../model/serving-model.ts'
import type { Source } from '../sources/source.ts'

/**
 * Throws AGENT_USAGE when a source feeds what `model` does not read: camera frames to a tabular
 * model, or tabular readings to an image model.
 */
export function checkSourcesFit(sources: readonly Source[], model: Pick<ServingModel, 'input' | 'manifest'>): void {
  const name = `${model.manifest.name}@${model.manifest.version}`
  for (const source of sources) {
    const input = source.input ?? 'tabular'
    if (input === model.input) continue
    throw new AgentError(
      'AGENT_USAGE',
      input === 'image'
        ? `${source.name} feeds camera frames, but ${name} reads tabular readings: give it --csv, --jsonl, --stdin or --mqtt-url, or run an image model (ultraface) on the frames`
        : `${source.name} feeds tabular readings, but ${name} is an image model: give it --frames DIR or --snapshot-url URL`,
    )
  }
}
