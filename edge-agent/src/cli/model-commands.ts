import { readPackage } from '@edgefleet/models'
import { availableBackends, type BackendChoice } from '../backends/select.ts'
import { loadPackage } from '../model/load-model.ts'
import { resolveModelDir } from '../model/resolve-model.ts'

/** `edgefleet-agent self-test`: the full load sequence, then report. Throws (exit 1) on failure. */
export async function selfTestCommand(o: { model: string; backend: BackendChoice; json?: boolean }): Promise<void> {
  const dir = resolveModelDir(o.model)
  const loaded = await loadPackage(dir, { backend: o.backend })
  await loaded.backend.close()
  const result = { model: loaded.manifest.name, version: loaded.manifest.version, backend: loaded.backend.kind, ...loaded.selfTest, passed: true }
  process.stdout.write(o.json ? `${JSON.stringify(result)}\n` : `${result.model}@${result.version}: ${result.vectors} self-test vector(s) passed on ${result.backend} (max abs diff ${result.maxAbsDiff.toExponential(2)})\n`)
}

/** `edgefleet-agent info`: what a package holds, without loading the model. */
export async function infoCommand(o: { model: string; json?: boolean }): Promise<void> {
  const { manifest: m } = await readPackage(resolveModelDir(o.model))
  if (o.json) {
    process.stdout.write(`${JSON.stringify(m, null, 2)}\n`)
    return
  }
  const input = m.inputs[0]!
  const lines = [
    `${m.name}@${m.version}  ${m.task}  (${m.model.file}, ${m.model.size} bytes, sha256 ${m.model.sha256.slice(0, 12)}…)`,
    m.description ?? '',
    `input  ${input.name} ${input.dtype} [${input.shape.join(', ')}] ${input.kind}${input.features ? `, ${input.features.length} features` : ''}, preprocessing ${input.preprocessing.type}`,
    ...m.outputs.map((out) => `output ${out.name} ${out.dtype} [${out.shape.join(', ')}] ${out.role}${out.labels ? `: ${out.labels.join(', ')}` : ''}`),
    `drift: ${m.reference.features.length > 0 ? `windows of ${m.drift.windowSamples} readings or ${m.drift.windowSeconds} s, ${m.reference.features.length} features with reference statistics` : 'no reference statistics (not monitored)'}`,
    `training data: ${m.training.data}`,
    `trained with: ${m.training.library}${m.training.seed !== undefined ? `, seed ${m.training.seed}` : ''}`,
    ...Object.entries(m.training.metrics).map(([k, v]) => `  ${k}: ${v}`),
    ...m.training.evaluations.map((e) => `  ${e.dataset}: ${e.samples} samples${e.accuracy !== undefined ? `, accuracy ${(e.accuracy * 100).toFixed(1)}%` : ''}`),
  ]
  process.stdout.write(`${lines.filter((l) => l !== '').join('\n')}\n`)
}

/** `edgefleet-agent backends`. */
export async function backendsCommand(o: { json?: boolean }): Promise<void> {
  const kinds = await availableBackends()
  process.stdout.write(o.json ? `${JSON.stringify({ available: kinds, auto: kinds[0] })}\n` : `available: ${kinds.join(', ')} (auto picks ${kinds[0]})\n`)
}
