import type { InferenceSession } from 'onnxruntime-web'
import type { Manifest } from '@edgefleet/protocol'
import { DEFAULT_SEED, type BuildProgress } from '../build/build-types.ts'
import { selfTestFailures } from '../build/onnx/check-self-test.ts'
import { ImageError, ImportError } from '../errors.ts'
import { writePackage } from '../package/write-package.ts'
import type { ImportSpec } from './import-spec.ts'
import { importManifest } from './import-manifest.ts'
import { imagesReference, tabularReference } from './import-reference.ts'
import { generatedSelfTest, rowSelfTest } from './import-self-test.ts'
import { inspectModel, type InspectedModel } from './inspect-model.ts'
import { planInput, type InputPlan } from './plan-input.ts'
import { planOutputs, type OutputPlan, type OutputProbe } from './plan-outputs.ts'
import { probeOutputs } from './probe-outputs.ts'
import { DEFAULT_REFERENCE_ROWS, candidateFeatures, openReference, type ReferenceSource } from './reference-source.ts'
import { tabularInputs, type TabularInputs } from './tabular-inputs.ts'

/** The named steps of `edgefleet model import`, in order; a failure names its step. */
export const IMPORT_STEPS = ['inspect', 'read-reference', 'plan-input', 'probe', 'plan-outputs', 'reference', 'self-test', 'verify', 'write'] as const
export type ImportStep = (typeof IMPORT_STEPS)[number]

/** Self-test tolerance when the spec gives none. */
export const DEFAULT_TOLERANCE = 1e-3
/** Self-test vectors from reference rows when the spec gives no count. */
export const DEFAULT_VECTORS = 4

/** Options of {@link importModel}. */
export interface ImportOptions {
  /** the ONNX file */
  model: string
  /** what the file cannot say (validated with `parseImportSpec`) */
  spec: Readonly<ImportSpec>
  /** reference data: a CSV or JSONL file of inputs (tabular models) or a folder of images (image models) */
  reference?: string
  /** where to write the package directory */
  outDir: string
  /** more files for the package, e.g. the model's LICENSE */
  extraFiles?: Record<string, Uint8Array | string>
  /** seeds the generated self-test inputs (default 42) */
  seed?: number
  onStep?: (step: ImportStep) => void
  /** progress of the long steps (reference statistics) */
  onProgress?: (p: BuildProgress) => void
}

/** What an import wrote, and what it decided on its own. */
export interface ImportReport {
  name: string
  version: string
  dir: string
  sha256: string
  task: Manifest['task']
  input: Manifest['inputs'][number]
  outputs: Manifest['outputs']
  /** reference samples (rows or frames), 0 without reference data */
  referenceSamples: number
  selfTestVectors: number
  /** what was inferred rather than given, and what to check */
  notes: string[]
}

interface ImportState {
  o: ImportOptions
  notes: string[]
  model?: InspectedModel
  session?: InferenceSession
  source?: ReferenceSource
  input?: InputPlan
  tabular?: TabularInputs
  probes?: Map<string, OutputProbe>
  output?: OutputPlan
  reference?: Manifest['reference']
  selfTest?: Manifest['selfTest']
  manifest?: Manifest
}

const steps: Record<ImportStep, (s: ImportState) => Promise<void>> = {
  async inspect(s) {
    const { model, session } = await inspectModel(s.o.model)
    s.model = model
    s.session = session
  },
  async 'read-reference'(s) {
    if (s.o.reference === undefined) {
      s.notes.push('no reference data: the package has no reference statistics, so agents do not monitor drift; give --reference to turn it on')
      return
    }
    s.source = await openReference(s.o.reference, s.o.spec.reference?.maxRows ?? DEFAULT_REFERENCE_ROWS)
  },
  async 'plan-input'(s) {
    const ref = s.o.spec.reference
    const offered = s.source?.kind === 'table' ? candidateFeatures(s.source.table, [ref?.labelColumn, ref?.idColumn]) : undefined
    s.input = planInput(s.model!.inputs, s.o.spec, offered)
    s.notes.push(...s.input.notes)
    const kind = s.input.input.kind
    if (s.source?.kind === 'images' && kind !== 'image') throw new ImportError('IMPORT_REFERENCE_INVALID', `${s.o.reference} is a folder of images, but the model's input is tabular: give a CSV or JSONL file of its inputs`)
    if (s.source?.kind === 'table' && kind !== 'tabular') throw new ImportError('IMPORT_REFERENCE_INVALID', `${s.o.reference} is a table, but the model takes images: give a folder of images like the camera's`)
    if (s.source?.kind === 'table') {
      const table = s.source.table
      if (!table.named && table.columns.length === s.input.features.length) {
        // a headerless reference file with one column per feature: its columns are the features, in order
        table.columns = [...s.input.features]
        s.notes.push(`${s.o.reference} has no header: its ${table.columns.length} columns taken as the features in order`)
      }
      s.tabular = tabularInputs(table, s.input.features, s.input.input.preprocessing)
    }
  },
  async probe(s) {
    const data = s.tabular ? { tabular: s.tabular } : s.source?.kind === 'images' ? { images: s.source.images } : {}
    s.probes = await probeOutputs(s.session!, s.input!, data, s.o.seed ?? DEFAULT_SEED)
  },
  async 'plan-outputs'(s) {
    s.output = planOutputs(s.model!.outputs, s.o.spec, s.input!.input.kind, s.probes!)
    s.notes.push(...s.output.notes)
  },
  async reference(s) {
    const src = s.source
    if (!src) s.reference = { sampleCount: 0, source: 'none: imported without reference data', features: [], outputs: {} }
    else if (src.kind === 'table') s.reference = await tabularReference(s.session!, s.input!, s.output!, s.tabular!, src.table.file, s.o.onProgress)
    else s.reference = await imagesReference(s.session!, s.input!, s.output!, src.images, src.dir, s.o.spec.input?.image?.augment, s.o.onProgress)
  },
  async 'self-test'(s) {
    const outputs = s.output!.outputs.map((o) => o.name)
    const count = s.o.spec.selfTest?.vectors ?? DEFAULT_VECTORS
    const vectors = s.tabular
      ? await rowSelfTest(s.session!, s.input!.input, outputs, s.tabular.x, s.tabular.rows, count)
      : await generatedSelfTest(s.session!, s.input!.input, outputs, s.o.seed ?? DEFAULT_SEED)
    s.selfTest = { tolerance: s.o.spec.selfTest?.tolerance ?? DEFAULT_TOLERANCE, vectors }
    s.manifest = importManifest({ spec: s.o.spec, file: s.o.model, model: s.model!, input: s.input!.input, output: s.output!, reference: s.reference!, selfTest: s.selfTest })
  },
  async verify(s) {
    await s.session!.release()
    s.session = undefined
    // a fresh session, as the hub and every agent will run it
    const failures = await selfTestFailures(s.manifest!, s.model!.bytes)
    if (failures.length > 0) throw new ImportError('IMPORT_SELF_TEST_FAILED', `the model does not reproduce its own self-test in a new session (non-deterministic?): ${failures.slice(0, 3).join('; ')}`)
  },
  async write(s) {
    await writePackage(s.o.outDir, s.manifest!, s.model!.bytes, s.o.extraFiles ? { extraFiles: s.o.extraFiles } : {})
  },
}

/**
 * Builds a model package around an existing ONNX file, step by step ({@link IMPORT_STEPS}): opens it
 * with onnxruntime-web, plans the input and outputs from the graph and the spec, computes reference
 * statistics from the reference data, records self-test vectors, proves them in a fresh session and
 * writes the package. A refusal is an {@link ImportError} naming its step and the problem.
 */
export async function importModel(o: ImportOptions): Promise<ImportReport> {
  const s: ImportState = { o, notes: [] }
  try {
    for (const step of IMPORT_STEPS) {
      o.onStep?.(step)
      try {
        await steps[step](s)
      } catch (cause) {
        if (cause instanceof ImportError) throw new ImportError(cause.code, `${step}: ${cause.message}`, { cause: cause.cause, step })
        if (cause instanceof ImageError) throw new ImportError('IMPORT_REFERENCE_INVALID', `${step}: a reference image cannot be read: ${cause.message}`, { cause, step })
        throw cause
      }
    }
  } finally {
    await s.session?.release()
  }
  const m = s.manifest!
  return {
    name: m.name,
    version: m.version,
    dir: o.outDir,
    sha256: m.model.sha256,
    task: m.task,
    input: m.inputs[0]!,
    outputs: m.outputs,
    referenceSamples: m.reference.sampleCount,
    selfTestVectors: m.selfTest.vectors.length,
    notes: s.notes,
  }
}
