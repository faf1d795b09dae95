import { readFile } from 'node:fs/promises'
import { readPackage, verifyPackageDigest, type ModelPackage } from '@edgefleet/models'
import type { Manifest } from '@edgefleet/protocol'
import type { BackendOptions, InferenceBackend } from '../backends/backend.ts'
import { createBackend, type BackendChoice } from '../backends/select.ts'
import { AgentError } from '../errors.ts'
import { ImageModel } from './image-model.ts'
import { runSelfTest, type SelfTestResult } from './self-test.ts'
import type { ServingModel } from './serving-model.ts'
import { TabularModel } from './tabular.ts'

export interface LoadOptions extends BackendOptions {
  backend?: BackendChoice
  /** called as each named step starts */
  onStep?: (step: LoadStep) => void
}

export interface LoadedPackage {
  pkg: ModelPackage
  manifest: Manifest
  backend: InferenceBackend
  selfTest: SelfTestResult
}

/** The named steps of loading a model package, in order. A failure names its step. */
export const LOAD_STEPS = ['read-manifest', 'verify-digest', 'load', 'self-test'] as const
export type LoadStep = (typeof LOAD_STEPS)[number]

interface LoadState {
  dir: string
  options: LoadOptions
  pkg?: ModelPackage
  onnx?: Uint8Array
  backend?: InferenceBackend
  selfTest?: SelfTestResult
}

const steps: Record<LoadStep, (s: LoadState) => Promise<void>> = {
  async 'read-manifest'(s) {
    s.pkg = await readPackage(s.dir)
  },
  async 'verify-digest'(s) {
    await verifyPackageDigest(s.pkg!)
    s.onnx = await readFile(s.pkg!.onnxPath)
  },
  async load(s) {
    s.backend = await createBackend(s.options.backend ?? 'auto', s.onnx!, s.options)
    s.onnx = undefined
  },
  async 'self-test'(s) {
    s.selfTest = await runSelfTest(s.pkg!.manifest, s.backend!)
  },
}

/**
 * Loads a package and proves it before it serves: manifest valid → ONNX sha256 matches → session
 * created → every self-test vector reproduces. Throws an AgentError with the failing step's name.
 */
export async function loadPackage(dir: string, options: LoadOptions = {}): Promise<LoadedPackage> {
  const state: LoadState = { dir, options }
  for (const step of LOAD_STEPS) {
    options.onStep?.(step)
    try {
      await steps[step](state)
    } catch (cause) {
      await state.backend?.close().catch(() => {})
      const code = (cause as { code?: unknown }).code
      if (cause instanceof AgentError) throw new AgentError(cause.code, cause.message, { cause, step })
      if (typeof code === 'string' && code.startsWith('MODEL_')) {
        throw new AgentError(code as AgentError['code'], (cause as Error).message, { cause, step })
      }
      throw new AgentError('MODEL_LOAD_FAILED', `loading ${dir} failed at step ${step}: ${(cause as Error).message}`, { cause, step })
    }
  }
  return { pkg: state.pkg!, manifest: state.pkg!.manifest, backend: state.backend!, selfTest: state.selfTest! }
}

/**
 * The serving model for a loaded package, by its input's kind: an {@link ImageModel} for `image`
 * inputs (camera frames), a {@link TabularModel} otherwise. Throws MODEL_INPUT_UNSUPPORTED or
 * MODEL_MANIFEST_INVALID when the manifest describes something neither can serve.
 */
export function servingModel(manifest: Manifest, backend: InferenceBackend): ServingModel {
  return manifest.inputs[0]?.kind === 'image' ? new ImageModel(manifest, backend) : new TabularModel(manifest, backend)
}
