import type { Manifest } from '@edgefleet/protocol'

/** A model package on disk: a directory with `manifest.json` and the ONNX file it names. */
export interface ModelPackage {
  /** absolute or caller-relative path of the package directory */
  dir: string
  /** the validated manifest */
  manifest: Manifest
  /** path of the ONNX file (`dir/manifest.model.file`) */
  onnxPath: string
}

/** File name of the manifest inside a package directory. */
export const MANIFEST_FILE = 'manifest.json'
