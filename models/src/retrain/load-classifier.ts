import { readFile } from 'node:fs/promises'
import { ProtocolError, validators, type Manifest } from '@edgefleet/protocol'
import { ModelPackageError } from '../errors.ts'
import { readPackage, verifyPackageDigest } from '../package/read-package.ts'
import { sha256Bytes } from '../package/sha256-file.ts'
import { RetrainError } from '../errors.ts'
import type { PackageSource } from './retrain-types.ts'

/** A tabular classifier package in memory, with what running it on raw rows needs. */
export interface TabularClassifier {
  /** `name@version`, for messages */
  id: string
  manifest: Manifest
  onnx: Uint8Array
  inputName: string
  outputName: string
  featureCount: number
  labels: string[]
  /** the package's own standardisation; identity for `preprocessing: none` */
  mean: number[]
  std: number[]
}

/**
 * Reads a package from any {@link PackageSource}, checks its ONNX bytes against the manifest digest,
 * and checks that it is a tabular classifier: one `tabular` float32 input `[batch, n]` with `n`
 * features and `standardize` (or no) preprocessing, one `probabilities` or `logits` output with a
 * label per class. Throws a ModelPackageError for a broken package and a RetrainError
 * `RETRAIN_MODEL_UNSUPPORTED` for another kind of model.
 */
export async function loadClassifier(source: PackageSource): Promise<TabularClassifier> {
  const { manifest, onnx } = await readSource(source)
  const where = `${manifest.name}@${manifest.version}`
  const unsupported = (why: string): RetrainError =>
    new RetrainError('RETRAIN_MODEL_UNSUPPORTED', `${where} is not a tabular classifier that can be evaluated or retrained on rows: ${why}`)
  if (manifest.task !== 'classification') throw unsupported(`its task is ${manifest.task}`)
  if (manifest.inputs.length !== 1 || manifest.outputs.length !== 1) throw unsupported('it needs exactly one input and one output')
  const input = manifest.inputs[0]!
  const output = manifest.outputs[0]!
  const featureCount = input.features?.length ?? 0
  if (input.kind !== 'tabular' || input.dtype !== 'float32' || featureCount === 0 || input.shape.length !== 2 || input.shape[1] !== featureCount) {
    throw unsupported('its input is not a float32 [batch, n] tabular input with n named features')
  }
  const pre = input.preprocessing
  if (pre.type === 'image') throw unsupported('its input has image preprocessing')
  const mean = pre.type === 'standardize' ? pre.mean : new Array<number>(featureCount).fill(0)
  const std = pre.type === 'standardize' ? pre.std : new Array<number>(featureCount).fill(1)
  if (mean.length !== featureCount || std.length !== featureCount || !std.every((s) => s > 0)) {
    throw unsupported(`its standardisation does not give a positive std for each of its ${featureCount} features`)
  }
  const labels = output.labels ?? []
  if ((output.role !== 'probabilities' && output.role !== 'logits') || labels.length < 2 || output.shape.at(-1) !== labels.length) {
    throw unsupported('its output is not class probabilities (or logits) with one label per class')
  }
  if (new Set(labels).size !== labels.length) throw unsupported('its output labels repeat')
  return { id: where, manifest, onnx, inputName: input.name, outputName: output.name, featureCount, labels: [...labels], mean, std }
}

async function readSource(source: PackageSource): Promise<{ manifest: Manifest; onnx: Uint8Array }> {
  if (typeof source === 'string' || 'onnxPath' in source) {
    const pkg = typeof source === 'string' ? await readPackage(source) : source
    await verifyPackageDigest(pkg)
    return { manifest: pkg.manifest, onnx: new Uint8Array(await readFile(pkg.onnxPath)) }
  }
  let manifest: Manifest
  try {
    manifest = validators.manifest.parse(source.manifest)
  } catch (cause) {
    if (!(cause instanceof ProtocolError)) throw cause
    throw new ModelPackageError('MODEL_MANIFEST_INVALID', `the manifest is invalid: ${cause.message}`, cause.issues, { cause })
  }
  const digest = sha256Bytes(source.onnx)
  if (digest !== manifest.model.sha256) {
    throw new ModelPackageError('MODEL_DIGEST_MISMATCH', `the ONNX bytes have sha256 ${digest} but ${manifest.name}@${manifest.version} says ${manifest.model.sha256}: pass the model file the manifest describes`)
  }
  return { manifest, onnx: source.onnx }
}
