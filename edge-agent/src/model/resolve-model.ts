import { existsSync } from 'node:fs'
import { SHIPPED_MODELS, shippedPackageDir } from '@edgefleet/models'
import { AgentError } from '../errors.ts'

/**
 * `--model` takes a package directory, or the name of a shipped model (`gas-sensor`), which resolves
 * to its built package under models/packages/.
 */
export function resolveModelDir(model: string): string {
  if (existsSync(model)) return model
  if ((SHIPPED_MODELS as readonly string[]).includes(model)) {
    const dir = shippedPackageDir(model)
    if (existsSync(dir)) return dir
    throw new AgentError('MODEL_FILE_MISSING', `the shipped ${model} package is not built yet: run \`pnpm edgefleet model build ${model}\``)
  }
  throw new AgentError('MODEL_FILE_MISSING', `no model package at ${model} (a directory with manifest.json and the ONNX file, or one of: ${SHIPPED_MODELS.join(', ')})`)
}
