import type { InferenceSession } from 'onnxruntime-web'
import { runFloat } from '../build/onnx/ort-session.ts'
import { prepareFrame } from '../camera/prepare-frame.ts'
import { selfTestInputValues } from '@edgefleet/protocol'
import type { OutputProbe } from './plan-outputs.ts'
import type { InputPlan } from './plan-input.ts'
import { inputRange, selfTestDims } from './import-self-test.ts'
import type { TabularInputs } from './tabular-inputs.ts'

/** Rows (or frames) a probe runs. */
const PROBE_ROWS = 8

/** Where the probe's inputs come from: reference rows, reference images, or neither (generated values). */
export interface ProbeData {
  tabular?: TabularInputs | undefined
  images?: readonly string[] | undefined
}

/**
 * Runs the model on a few inputs, one at a time (real reference rows or images when there are some,
 * else seeded values over the input's range), to learn what the graph does not declare: how many
 * values each output gives per input (dynamic dimensions), and whether they are probabilities
 * (every group along the last dimension in 0..1 and summing to 1).
 */
export async function probeOutputs(session: InferenceSession, plan: InputPlan, data: ProbeData, seed: number): Promise<Map<string, OutputProbe>> {
  const input = plan.input
  const dims = selfTestDims(input.shape)
  const size = dims.reduce((a, b) => a * b, 1)
  const feeds: Float32Array[] = []
  if (data.tabular) {
    const t = data.tabular
    for (let r = 0; r < Math.min(PROBE_ROWS, t.rows); r++) feeds.push(t.x.slice(r * t.width, (r + 1) * t.width))
  } else if (data.images && input.preprocessing.type === 'image') {
    for (const image of data.images.slice(0, 2)) feeds.push((await prepareFrame(image, input.preprocessing)).tensor)
  } else {
    const [min, max] = inputRange(input.preprocessing)
    for (let k = 0; k < 2; k++) feeds.push(selfTestInputValues({ kind: 'uniform', seed: (seed + k) >>> 0, min, max }, size))
  }
  const probes = new Map<string, OutputProbe>()
  for (const feed of feeds) {
    const out = await runFloat(session, { [input.name]: { data: feed, dims } })
    for (const [name, values] of Object.entries(out)) {
      const seen = probes.get(name)
      const probabilities = isProbabilities(values, session.outputMetadata.find((m) => m.name === name))
      probes.set(name, { width: values.length, probabilities: (seen?.probabilities ?? true) && probabilities })
    }
  }
  return probes
}

function isProbabilities(values: Float32Array, meta: InferenceSession.ValueMetadata | undefined): boolean {
  const last = meta?.isTensor ? meta.shape.at(-1) : undefined
  const group = typeof last === 'number' && last >= 2 && values.length % last === 0 ? last : values.length
  if (group < 2) return false
  for (let start = 0; start < values.length; start += group) {
    let sum = 0
    for (let i = start; i < start + group; i++) {
      const v = values[i]!
      if (!(v >= -1e-4 && v <= 1 + 1e-4)) return false
      sum += v
    }
    if (Math.abs(sum - 1) > 1e-3) return false
  }
  return true
}
