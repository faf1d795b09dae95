import { chmod, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { MAX_MANIFEST_BYTES, ProtocolError, validators, type Manifest } from '@edgefleet/protocol'
import { ModelPackageError } from '../errors.ts'
import { MANIFEST_FILE, type ModelPackage } from './model-package.ts'
import { sha256Bytes } from './sha256-file.ts'

/** Options of {@link writePackage}. */
export interface WritePackageOptions {
  /** more files to put in the package directory (e.g. a LICENSE or a build stamp), by plain file name */
  extraFiles?: Record<string, Uint8Array | string>
}

const PLAIN_FILE_NAME = /^[A-Za-z0-9._-]{1,128}$/

/**
 * Writes a model package: validates the manifest, checks that `model.sha256` and `model.size` describe
 * `onnx`, then writes everything into a temporary directory next to `dir` and renames it into place.
 * An existing package at `dir` is replaced; readers see the old or the new package, never a mix (the
 * old one is moved aside just before the rename, so a crash in between leaves `dir` absent, not broken).
 */
export async function writePackage(dir: string, manifest: Manifest, onnx: Uint8Array, options: WritePackageOptions = {}): Promise<ModelPackage> {
  const valid = validateManifest(manifest)
  const digest = sha256Bytes(onnx)
  if (digest !== valid.model.sha256 || onnx.byteLength !== valid.model.size) {
    throw new ModelPackageError(
      'MODEL_DIGEST_MISMATCH',
      `the ONNX bytes have sha256 ${digest} and ${onnx.byteLength} bytes but the manifest says ${valid.model.sha256} and ${valid.model.size}: compute model.sha256 and model.size from the bytes you write`,
    )
  }
  const text = JSON.stringify(valid, null, 2) + '\n'
  if (Buffer.byteLength(text) > MAX_MANIFEST_BYTES) {
    throw new ModelPackageError('MODEL_MANIFEST_INVALID', `manifest.json would be ${Buffer.byteLength(text)} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit: use fewer reference bins or self-test vectors`)
  }
  const extra = Object.entries(options.extraFiles ?? {})
  for (const [name] of extra) {
    if (!PLAIN_FILE_NAME.test(name) || name === MANIFEST_FILE || name === valid.model.file) {
      throw new RangeError(`extra package file name ${JSON.stringify(name)} is not a plain file name or clashes with the manifest or model file`)
    }
  }

  const parent = dirname(dir)
  await mkdir(parent, { recursive: true })
  const tmp = await mkdtemp(join(parent, `.${basename(dir)}.tmp-`))
  try {
    // mkdtemp makes the directory private (0700); a package is meant to be read and served
    await chmod(tmp, 0o755)
    await writeFile(join(tmp, valid.model.file), onnx)
    for (const [name, content] of extra) await writeFile(join(tmp, name), content)
    // the manifest goes last: a directory with a manifest has everything the manifest names
    await writeFile(join(tmp, MANIFEST_FILE), text)
    await swapInto(tmp, dir)
  } catch (err) {
    await rm(tmp, { recursive: true, force: true })
    throw err
  }
  return { dir, manifest: valid, onnxPath: join(dir, valid.model.file) }
}

function validateManifest(manifest: Manifest): Manifest {
  try {
    return validators.manifest.parse(manifest)
  } catch (cause) {
    if (!(cause instanceof ProtocolError)) throw cause
    throw new ModelPackageError('MODEL_MANIFEST_INVALID', `refusing to write an invalid manifest: ${cause.message}`, cause.issues, { cause })
  }
}

/** Renames `tmp` to `dir`, moving an existing `dir` aside first (rename cannot replace a non-empty directory). */
async function swapInto(tmp: string, dir: string): Promise<void> {
  const exists = await stat(dir).then(() => true, () => false)
  if (!exists) {
    await rename(tmp, dir)
    return
  }
  const old = `${tmp}.old`
  await rename(dir, old)
  try {
    await rename(tmp, dir)
  } catch (err) {
    await rename(old, dir)
    throw err
  }
  await rm(old, { recursive: true, force: true })
}
