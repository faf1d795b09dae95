import { modelArtifactPaths, type ModelLineage, type ModelLineageEntry, type ModelVersionSummary, type ModelVersionView } from '@edgefleet/protocol'
import type { ModelStore, ModelVersionRecord } from '../../registry/model-store.ts'

/** Longest lineage walked (a guard against a cycle of hand-made manifests). */
const MAX_ANCESTORS = 64

/** A registered version as the API lists it: no manifest, with its signature and download paths. */
export function versionSummary(r: ModelVersionRecord): ModelVersionSummary {
  return {
    name: r.name, version: r.version, sha256: r.sha256, size: r.size, parentVersion: r.parentVersion, createdAt: r.createdAt,
    // every registered manifest carries the hub's signature: pushModel signs before it stores
    signature: r.manifest.signature!,
    artifacts: modelArtifactPaths(r),
  }
}

/** A registered version with its signed manifest and lineage. */
export async function versionView(store: ModelStore, r: ModelVersionRecord): Promise<ModelVersionView> {
  return { ...versionSummary(r), manifest: r.manifest, lineage: await lineageOf(store, r) }
}

/**
 * Ancestors follow `training.parent` up through the registry (across models: a model fine-tuned
 * from another names it) until a parent the hub does not hold; children are the registered
 * versions whose parent is this one.
 */
export async function lineageOf(store: ModelStore, r: ModelVersionRecord): Promise<ModelLineage> {
  const ancestors: ModelLineageEntry[] = []
  const seen = new Set([`${r.name}@${r.version}`])
  let parent = r.manifest.training.parent
  while (parent && ancestors.length < MAX_ANCESTORS && !seen.has(`${parent.name}@${parent.version}`)) {
    seen.add(`${parent.name}@${parent.version}`)
    const record = await store.getModelVersion(parent.name, parent.version)
    ancestors.push({ name: parent.name, version: parent.version, registered: record !== null })
    parent = record?.manifest.training.parent ?? null
  }
  const children = (await store.listModelVersions())
    .filter((v) => v.manifest.training.parent?.name === r.name && v.manifest.training.parent.version === r.version)
    .map((v) => ({ name: v.name, version: v.version }))
  return { ancestors, children }
}
