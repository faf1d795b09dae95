import Type from 'typebox'
import { Count, ModelName, ModelRef, SemVer, Sha256Hex, Timestamp } from './common.ts'
import { Manifest, ManifestSignature } from './manifest.ts'

/** REST bodies of the model registry (`/api/v1/models…`). */

export const ModelVersionParams = Type.Object({ name: ModelName, version: SemVer }, { additionalProperties: false })

/** `GET /api/v1/models`: every registered version, or one model's. */
export const ModelListQuery = Type.Object({ name: Type.Optional(ModelName) }, { additionalProperties: false })

/**
 * `POST /api/v1/models` takes a model package as `multipart/form-data` with exactly these two file
 * parts, in either order: the package's `manifest.json` and its ONNX file (stored under the name the
 * manifest's `model.file` gives, whatever the part's filename). No other parts.
 */
export const MODEL_UPLOAD_PARTS = { manifest: 'manifest', model: 'model' } as const

/** Where a registered version's files are served, as paths on the hub (prefix the hub's base URL). */
export const ModelArtifactLinks = Type.Object(
  {
    /** the ONNX file (HTTP Range supported) */
    model: Type.String({ maxLength: 512 }),
    /** the signed manifest */
    manifest: Type.String({ maxLength: 512 }),
  },
  { additionalProperties: false },
)

/** A registered model version without its manifest. */
export const ModelVersionSummary = Type.Object(
  {
    name: ModelName,
    version: SemVer,
    /** sha256 of the ONNX file: its address in the hub's store, and its download's ETag */
    sha256: Sha256Hex,
    /** ONNX file size in bytes */
    size: Count,
    /** the version of the same model it was trained from (`training.parent`), if any */
    parentVersion: Type.Union([SemVer, Type.Null()]),
    createdAt: Timestamp,
    /** the hub's signature over name, version and model digest */
    signature: ManifestSignature,
    artifacts: ModelArtifactLinks,
  },
  { additionalProperties: false },
)

/** `GET /api/v1/models`: by name, then version (oldest first). */
export const ModelVersionList = Type.Object({ versions: Type.Array(ModelVersionSummary) }, { additionalProperties: false })

/** One step up a version's lineage: the model version it was trained from (`training.parent`). */
export const ModelLineageEntry = Type.Object(
  {
    name: ModelName,
    version: SemVer,
    /** false when the hub does not hold that version (the walk up stops there) */
    registered: Type.Boolean(),
  },
  { additionalProperties: false },
)

export const ModelLineage = Type.Object(
  {
    /** parent, grandparent, … (nearest first), following `training.parent` across models */
    ancestors: Type.Array(ModelLineageEntry, { maxItems: 64 }),
    /** registered versions trained from this one */
    children: Type.Array(ModelRef),
  },
  { additionalProperties: false },
)

/** `GET /api/v1/models/{name}/{version}` and the answer to an upload: the version with its signed manifest. */
export const ModelVersionView = Type.Object(
  { ...ModelVersionSummary.properties, manifest: Manifest, lineage: ModelLineage },
  { additionalProperties: false },
)

/** Paths (under the hub's base URL) of a registered version's ONNX file and signed manifest. */
export function modelArtifactPaths(ref: ModelRef): ModelArtifactLinks {
  const base = `/api/v1/models/${encodeURIComponent(ref.name)}/${encodeURIComponent(ref.version)}`
  return { model: `${base}/model.onnx`, manifest: `${base}/manifest.json` }
}

export type ModelVersionParams = Type.Static<typeof ModelVersionParams>
export type ModelListQuery = Type.Static<typeof ModelListQuery>
export type ModelArtifactLinks = Type.Static<typeof ModelArtifactLinks>
export type ModelVersionSummary = Type.Static<typeof ModelVersionSummary>
export type ModelVersionList = Type.Static<typeof ModelVersionList>
export type ModelLineageEntry = Type.Static<typeof ModelLineageEntry>
export type ModelLineage = Type.Static<typeof ModelLineage>
export type ModelVersionView = Type.Static<typeof ModelVersionView>
