import type { InferenceSession } from 'onnxruntime-web'
import type { Manifest } from '@edgefleet/protocol'
import { runFloat } from './onnx/ort-session.ts'

/** Where and how {@link classifierSelfTest} runs a tabular classifier. */
export interface ClassifierSelfTestSpec {
  io: { inputName: string; outputName: string }
  /** features per row */
  width: number
  classCount: number
  /** at most this many vectors */
  vectors: number
  /** per-element tolerance written into the manifest */
  tolerance: number
}

/**
 * Self-test vectors from real rows, one per class for the first classes present in `y`. The inputs are
 * the ALREADY-STANDARDISED rows: a self-test vector is the raw tensor fed to the ONNX graph, so it tests
 * the model file and runtime, not the agent's preprocessing. Expected outputs come from onnxruntime-web
 * at batch size 1, as the agent runs them.
 */
export async function classifierSelfTest(session: InferenceSession, x: Float32Array, y: Int32Array, spec: ClassifierSelfTestSpec): Promise<Manifest['selfTest']> {
  const rows: number[] = []
  for (let cls = 0; cls < spec.classCount && rows.length < spec.vectors; cls++) {
    const row = y.indexOf(cls)
    if (row >= 0) rows.push(row)
  }
  const vectors: Manifest['selfTest']['vectors'] = []
  for (const row of rows) {
    const input = x.slice(row * spec.width, (row + 1) * spec.width)
    const out = await runFloat(session, { [spec.io.inputName]: { data: input, dims: [1, spec.width] } })
    vectors.push({
      inputs: { [spec.io.inputName]: { kind: 'values', values: Array.from(input) } },
      expected: { [spec.io.outputName]: { kind: 'values', values: Array.from(out[spec.io.outputName]!) } },
    })
  }
  return { tolerance: spec.tolerance, vectors }
}
