import { once } from 'node:events'
import type { Writable } from 'node:stream'
import type { AgentPrediction, PredictionSink } from './sink.ts'

/**
 * One aligned line per prediction, for people watching a terminal; marks misses when labels are
 * known. A detector's frame gets its count on that line and one indented line per detection, with
 * its box in pixels of the original image; an image classifier's top-k follow its best class.
 */
export class PrettySink implements PredictionSink {
  constructor(private readonly out: Writable) {}

  write(batch: readonly AgentPrediction[], model: { name: string; version: string }): Promise<void> | void {
    let text = ''
    for (const p of batch) {
      const head = `${p.id.padEnd(18)} ${model.name}@${model.version}  `
      const latency = `${p.latencyMs.toFixed(3)} ms`
      if (p.detections) {
        text += `${head}${detectionCount(p.detections).padEnd(13)}  ${latency}\n`
        for (const d of p.detections) text += `    ${(d.label ?? 'object').padEnd(10)} ${(d.score * 100).toFixed(1).padStart(5)}%  ${boxText(d.box, p.image)}\n`
        continue
      }
      const what = p.label ?? (p.value ? p.value.map((v) => v.toPrecision(4)).join(',') : `class ${p.classIndex}`)
      const confidence = p.confidence === undefined ? '' : ` ${(p.confidence * 100).toFixed(1).padStart(5)}%`
      const truth = p.actual === undefined ? '' : p.actual === p.label ? '  ok' : `  MISS (actual ${p.actual})`
      const top = p.top && p.top.length > 1 ? `  (then ${p.top.slice(1).map((t) => `${t.label ?? `class ${t.classIndex}`} ${(t.confidence * 100).toFixed(1)}%`).join(', ')})` : ''
      text += `${head}${what.padEnd(13)}${confidence}  ${latency}${truth}${top}\n`
    }
    if (!this.out.write(text)) return once(this.out, 'drain').then(() => undefined)
  }

  async close(): Promise<void> {}
}

/** `2 faces`, `1 face`, `no detections`, `3 detections` (mixed labels). */
function detectionCount(detections: NonNullable<AgentPrediction['detections']>): string {
  const n = detections.length
  if (n === 0) return 'no detections'
  const label = detections[0]!.label
  const same = label !== undefined && detections.every((d) => d.label === label)
  return `${n} ${same ? label : 'detection'}${n === 1 ? '' : 's'}`
}

/** A 0..1 box as pixels of the original image (`x 120–210, y 40–150 px, 90×110`), or as fractions when its size is unknown. */
function boxText(box: readonly number[], image: AgentPrediction['image']): string {
  if (!image) return `[${box.map((v) => v.toFixed(3)).join(', ')}] of the image`
  const [x1, y1, x2, y2] = [box[0]! * image.width, box[1]! * image.height, box[2]! * image.width, box[3]! * image.height].map(Math.round) as [number, number, number, number]
  return `x ${x1}–${x2}, y ${y1}–${y2} px (${x2 - x1}×${y2 - y1} of ${image.width}×${image.height})`
}
