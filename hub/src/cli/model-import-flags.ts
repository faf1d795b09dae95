import type { Command } from 'commander'
import { UsageError } from './model-commands.ts'
import type { ImportFlags } from './model-import-command.ts'

/** Writes one block of output for people (or JSON) to stdout. */
export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
}

/** A comma-separated flag as a list (trimmed, empty items dropped). */
export function commaList(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((v) => v.trim()).filter((v) => v.length > 0)
}

/** A numeric flag; a UsageError naming the flag when it is not a number. */
export function numberFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} ${JSON.stringify(value)} is not a number`)
  return n
}

/** A comma-separated list of numbers. */
export function numberList(value: string | undefined, flag: string): number[] | undefined {
  return commaList(value)?.map((v) => numberFlag(v, flag)!)
}

/**
 * The import spec the flags give (unset flags stay undefined, so a spec file's values stand). Values
 * are checked against the spec schema afterwards, with the file's, in one error.
 */
export function specFromFlags(o: ImportFlags, command: Command): Record<string, unknown> {
  const augmentSet = command.getOptionValueSource('augment') === 'cli'
  return {
    name: o.name,
    version: o.modelVersion,
    description: o.description,
    license: o.license,
    source: o.source,
    task: o.task,
    labels: commaList(o.labels),
    topK: numberFlag(o.topK, '--top-k'),
    input: {
      features: commaList(o.features),
      image: {
        resize: o.resize,
        channels: o.channels,
        layout: o.layout,
        width: numberFlag(o.width, '--width'),
        height: numberFlag(o.height, '--height'),
        scale: numberFlag(o.scale, '--scale'),
        mean: numberList(o.mean, '--mean'),
        std: numberList(o.std, '--std'),
        augment: augmentSet ? o.augment : undefined,
      },
    },
    reference: { labelColumn: o.labelColumn, idColumn: o.idColumn },
    detection: {
      classIndex: numberFlag(o.classIndex, '--class-index'),
      scoreThreshold: numberFlag(o.scoreThreshold, '--score-threshold'),
      iouThreshold: numberFlag(o.iouThreshold, '--iou-threshold'),
      maxDetections: numberFlag(o.maxDetections, '--max-detections'),
    },
    drift: { windowSamples: numberFlag(o.windowSamples, '--window-samples'), windowSeconds: numberFlag(o.windowSeconds, '--window-seconds') },
    selfTest: { tolerance: numberFlag(o.tolerance, '--tolerance') },
  }
}
