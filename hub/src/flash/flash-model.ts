import { existsSync, statSync } from 'node:fs'
import { readPackage, SHIPPED_MODELS, shippedPackageDir, verifyPackageDigest } from '@edgefleet/models'
import type { Manifest } from '@edgefleet/protocol'
import { HubError } from '../errors.ts'
import { ModelBlobs } from '../models/model-blobs.ts'
import type { ModelStore } from '../registry/model-store.ts'

/** The initial model a bundle carries: its manifest and the ONNX file to copy beside it. */
export interface FlashModel {
  manifest: Manifest
  onnxPath: string
  /** where it came from, for people: `registry`, `package <dir>`, `shipped package` */
  from: string
}

/**
 * Finds `--model`: a package directory; `name@version`, a registered version (its signed manifest and
 * the ONNX file by digest from the hub's store); or `name`, the newest registered version of that
 * model, else the shipped package of that name. HUB_MODEL_NOT_FOUND says what exists.
 */
export async function resolveFlashModel(spec: string, registry: ModelStore, modelsDir: string): Promise<FlashModel> {
  if (existsSync(spec) && statSync(spec).isDirectory()) return fromPackage(spec, `package ${spec}`)
  const at = spec.lastIndexOf('@')
  const name = at > 0 ? spec.slice(0, at) : spec
  const version = at > 0 ? spec.slice(at + 1) : undefined
  const record = version === undefined ? (await registry.listModelVersions(name)).at(-1) : await registry.getModelVersion(name, version)
  if (record) {
    const onnxPath = new ModelBlobs(modelsDir).pathOf(record.sha256)
    if (!existsSync(onnxPath)) {
      throw new HubError('HUB_MODEL_NOT_FOUND', `${record.name}@${record.version} is registered, but its ONNX file ${onnxPath} is gone: push the package again or flash another version`)
    }
    return { manifest: record.manifest, onnxPath, from: 'registry' }
  }
  if (version === undefined && (SHIPPED_MODELS as readonly string[]).includes(name) && existsSync(shippedPackageDir(name))) {
    return fromPackage(shippedPackageDir(name), 'shipped package')
  }
  const registered = [...new Set((await registry.listModelVersions()).map((r) => r.name))]
  throw new HubError(
    'HUB_MODEL_NOT_FOUND',
    `no model ${JSON.stringify(spec)}: give a package directory, a registered name[@version] (${registered.join(', ') || 'none registered yet'}; see \`edgefleet model list\`), or a built shipped model (${SHIPPED_MODELS.join(', ')})`,
  )
}

async function fromPackage(dir: string, from: string): Promise<FlashModel> {
  const pkg = await readPackage(dir)
  await verifyPackageDigest(pkg)
  return { manifest: pkg.manifest, onnxPath: pkg.onnxPath, from }
}
