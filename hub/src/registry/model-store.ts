import type { Manifest } from '@edgefleet/protocol'

/** A registered model version: its signed manifest and where its ONNX file is (by digest). */
export interface ModelVersionRecord {
  name: string
  version: string
  /** sha256 of the ONNX file: its address in the hub's model store */
  sha256: string
  size: number
  /** the manifest as accepted, with the hub's signature */
  manifest: Manifest
  /** the version it was trained from (`training.parent`), when it names one of the same model */
  parentVersion: string | null
  createdAt: number
}

/** Model versions in the registry: append-only, versions increase per model. */
export interface ModelStore {
  /**
   * Registers a version. Throws HUB_MODEL_VERSION_EXISTS when it is registered already and
   * HUB_MODEL_VERSION_NOT_NEWER when a higher version of the model is (versions only increase;
   * going back is a rollout's rollback, not a push).
   */
  addModelVersion(record: ModelVersionRecord): Promise<void>
  getModelVersion(name: string, version: string): Promise<ModelVersionRecord | null>
  /** Every version of one model, or of all models, by name then version (oldest first). */
  listModelVersions(name?: string): Promise<ModelVersionRecord[]>
}
