import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ProtocolError, decodeManifest } from '@edgefleet/protocol'
import { ModelPackageError } from '../errors.ts'
import { MANIFEST_FILE, type ModelPackage } from './model-package.ts'
import { sha256File } from './sha256-file.ts'

/**
 * Reads and validates a model package directory. Throws a ModelPackageError with code
 * `MODEL_FILE_MISSING` when the directory, `manifest.json` or the ONNX file is missing, and
 * `MODEL_MANIFEST_INVALID` when the manifest cannot be read or does not match the schema.
 * The ONNX file's digest is not checked here: call {@link verifyPackageDigest}.
 */
export async function readPackage(dir: string): Promise<ModelPackage> {
  const dirStat = await statOrNull(dir)
  if (!dirStat?.isDirectory()) {
    throw new ModelPackageError('MODEL_FILE_MISSING', `model package directory ${dir} does not exist: build the package or check the path`)
  }
  const manifestPath = join(dir, MANIFEST_FILE)
  let bytes: Uint8Array
  try {
    bytes = await readFile(manifestPath)
  } catch (cause) {
    if (isNotFound(cause)) {
      throw new ModelPackageError('MODEL_FILE_MISSING', `${manifestPath} is missing: a model package needs a ${MANIFEST_FILE}; rebuild or re-download it`, [], { cause })
    }
    throw new ModelPackageError('MODEL_MANIFEST_INVALID', `${manifestPath} cannot be read (${(cause as Error).message}): check its permissions`, [], { cause })
  }
  let manifest
  try {
    manifest = decodeManifest(bytes)
  } catch (cause) {
    if (!(cause instanceof ProtocolError)) throw cause
    throw new ModelPackageError('MODEL_MANIFEST_INVALID', `${manifestPath}: ${cause.message}. Rebuild the package with a matching edgefleet version`, cause.issues, { cause })
  }
  const onnxPath = join(dir, manifest.model.file)
  if (!(await statOrNull(onnxPath))?.isFile()) {
    throw new ModelPackageError('MODEL_FILE_MISSING', `${onnxPath} (named by model.file in the manifest) is missing: rebuild or re-download the package`)
  }
  return { dir, manifest, onnxPath }
}

/**
 * Checks the ONNX file's size and sha256 against the manifest. Throws a ModelPackageError
 * `MODEL_DIGEST_MISMATCH` naming both values when they differ.
 */
export async function verifyPackageDigest(pkg: ModelPackage): Promise<void> {
  const expected = pkg.manifest.model
  const fileStat = await statOrNull(pkg.onnxPath)
  if (!fileStat?.isFile()) {
    throw new ModelPackageError('MODEL_FILE_MISSING', `${pkg.onnxPath} is missing: rebuild or re-download the package`)
  }
  if (fileStat.size !== expected.size) {
    throw new ModelPackageError(
      'MODEL_DIGEST_MISMATCH',
      `${pkg.onnxPath} has ${fileStat.size} bytes but the manifest says ${expected.size}: the file is truncated or replaced; re-download the package`,
    )
  }
  const actual = await sha256File(pkg.onnxPath)
  if (actual !== expected.sha256) {
    throw new ModelPackageError(
      'MODEL_DIGEST_MISMATCH',
      `${pkg.onnxPath} has sha256 ${actual} but the manifest says ${expected.sha256}: the file was modified; re-download the package`,
    )
  }
}

async function statOrNull(path: string): Promise<Awaited<ReturnType<typeof stat>> | null> {
  try {
    return await stat(path)
  } catch (err) {
    if (isNotFound(err)) return null
    throw err
  }
}

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code
  return code === 'ENOENT' || code === 'ENOTDIR'
}
