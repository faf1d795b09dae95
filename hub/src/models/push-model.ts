import { readFile } from 'node:fs/promises'
import { sep } from 'node:path'
import { readPackage, verifyPackageDigest } from '@edgefleet/models'
import { selfTestFailures } from '@edgefleet/models/verify'
import type { Manifest } from '@edgefleet/protocol'
import { HubError } from '../errors.ts'
import type { ModelStore, ModelVersionRecord } from '../registry/model-store.ts'
import type { SigningKeys } from '../signing/signing-keys.ts'
import type { ModelBlobs } from './model-blobs.ts'

/** The named steps of accepting a model package, in order; a failure names its step. */
export const PUSH_STEPS = ['read-manifest', 'verify-digest', 'self-test', 'check-version', 'sign', 'store'] as const
export type PushStep = (typeof PUSH_STEPS)[number]

export interface PushOptions {
  registry: ModelStore
  blobs: ModelBlobs
  keys: SigningKeys
  /** signature expiry, ms since the epoch (default: a year from now) */
  expiresAt?: number
  onStep?: (step: PushStep) => void
  /** how messages name the package, e.g. "the uploaded package" (default: its directory); paths inside it are then given relative to it */
  source?: string
  now?: () => number
}

interface PushState {
  dir: string
  manifest?: Manifest
  onnxPath?: string
  onnx?: Uint8Array
  signed?: Manifest
  record?: ModelVersionRecord
}

const steps: Record<PushStep, (s: PushState, o: PushOptions) => Promise<void>> = {
  'read-manifest': async (s) => {
    const pkg = await readPackage(s.dir)
    s.manifest = pkg.manifest
    s.onnxPath = pkg.onnxPath
  },
  'verify-digest': async (s) => {
    await verifyPackageDigest({ dir: s.dir, manifest: s.manifest!, onnxPath: s.onnxPath! })
    s.onnx = await readFile(s.onnxPath!)
  },
  'self-test': async (s) => {
    // the hub loads the model and runs its self-test vectors before any device is offered it
    const failures = await selfTestFailures(s.manifest!, s.onnx!).catch((err: Error) => [`the model does not load: ${err.message}`])
    if (failures.length > 0) throw new HubError('HUB_MODEL_INVALID', `${s.manifest!.name}@${s.manifest!.version} fails its self-test: ${failures.slice(0, 3).join('; ')}`)
  },
  'check-version': async (s, o) => {
    const m = s.manifest!
    if (await o.registry.getModelVersion(m.name, m.version)) throw new HubError('HUB_MODEL_VERSION_EXISTS', `${m.name}@${m.version} is registered already: give the new package a higher version`)
  },
  'sign': async (s, o) => {
    const { signature: _ignored, ...unsigned } = s.manifest!
    s.signed = { ...unsigned, signature: o.keys.sign(unsigned, o.expiresAt) }
  },
  'store': async (s, o) => {
    const m = s.signed!
    await o.blobs.put(m.model.sha256, s.onnx!)
    const parent = m.training.parent
    s.record = {
      name: m.name, version: m.version, sha256: m.model.sha256, size: m.model.size, manifest: m,
      parentVersion: parent && parent.name === m.name ? parent.version : null, createdAt: (o.now ?? Date.now)(),
    }
    // versions only increase: the store refuses an older one atomically
    await o.registry.addModelVersion(s.record)
  },
}

/**
 * Accepts a model package directory into the registry: reads and validates its manifest, checks the
 * ONNX file's size and sha256, loads it and runs its self-test vectors, refuses a version that is not
 * new, signs the manifest with the hub's key and stores both (the ONNX file content-addressed).
 */
export async function pushModel(dir: string, o: PushOptions): Promise<ModelVersionRecord> {
  const state: PushState = { dir }
  for (const step of PUSH_STEPS) {
    o.onStep?.(step)
    try {
      await steps[step](state, o)
    } catch (err) {
      const e = err as Error
      // the registry's own errors keep their codes (a version conflict, a store failure); the package's are invalid input
      const code = err instanceof HubError ? err.code : step === 'store' ? 'HUB_STORE_FAILED' : 'HUB_MODEL_INVALID'
      const detail = o.source === undefined ? e.message : e.message.replaceAll(`${dir}${sep}`, '').replaceAll(dir, o.source)
      throw new HubError(code, `push ${o.source ?? dir} failed at step ${step}: ${detail}`, { cause: err })
    }
  }
  return state.record!
}
